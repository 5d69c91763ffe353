"""scikit-learn (and imbalanced-learn) compliance of every estimator skfix exports.

The estimators are found by a crawl over skfix's public subpackages, so a new estimator
joins the suite by being exported. Small test-time parameters and the known failures,
each with its reason, are in ``tests/_instances.py``.
"""

import pytest
from imblearn.utils.estimator_checks import (
    check_param_validation,
    estimator_checks_generator,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from tests._instances import (
    all_estimators,
    expected_failed_checks,
    is_sampler,
    make_instance,
)

ESTIMATORS = [make_instance(cls) for _, cls in all_estimators()]
SAMPLERS = [estimator for estimator in ESTIMATORS if is_sampler(estimator)]


def _check_id(value):
    """Name a parametrized check after the check itself, as scikit-learn does."""
    if hasattr(value, "fit"):
        return type(value).__name__
    return getattr(getattr(value, "func", value), "__name__", type(value).__name__)


def test_crawl_finds_the_estimators():
    names = {name for name, _ in all_estimators()}
    assert {
        "RegularizedLSTMClassifier",
        "RegularizedMLPClassifier",
        "RegularizedRandomForestClassifier",
        "RegularizedXGBClassifier",
        "TimeSeriesAugmenter",
    } <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# imblearn's own parametrize_with_checks hands pytest a generator, which pytest
# deprecates; this list is the same parametrization.
@pytest.mark.parametrize(
    "estimator, check",
    [
        pair
        for sampler in SAMPLERS
        for pair in estimator_checks_generator(
            sampler, expected_failed_checks=expected_failed_checks(sampler), mark="xfail"
        )
    ],
    ids=_check_id,
)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("sampler", SAMPLERS, ids=_check_id)
def test_imblearn_param_validation(sampler):
    check_param_validation(type(sampler).__name__, sampler)
