"""The one place where skfix touches private scikit-learn API.

scikit-learn's parameter-validation machinery (``_fit_context``, ``Interval``,
``StrOptions``) is what every estimator in the ecosystem uses, but it lives in private
modules. Importing it only here means a future move in scikit-learn is a one-line fix.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, Options, StrOptions
from sklearn.utils.validation import _check_method_params, _check_sample_weight

__all__ = [
    "HasMethods",
    "validate_params",
    "Interval",
    "Options",
    "StrOptions",
    "_check_method_params",
    "_check_sample_weight",
    "_fit_context",
]


def validate_params(estimator):
    """Check ``estimator``'s parameters against its ``_parameter_constraints``.

    What ``fit`` checks first, run on its own (scikit-learn's private
    ``BaseEstimator._validate_params``), to refuse a configuration before training;
    then what the estimator checks beyond its constraints, when it defines
    ``_validate_extra_params`` (the nets' skorch parameters).
    """
    estimator._validate_params()
    extra = getattr(estimator, "_validate_extra_params", None)
    if extra is not None:
        extra()
