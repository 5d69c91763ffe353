"""The model registry: one entry per family of candidate models.

A family is everything ``skfix train`` needs to build, tune, judge, save and report a
kind of model: its estimator class, its parameter presets, its tuning grid, the fewest
rows it is tried on, whether the augmenter goes in front of it, and the advice a report
gives when it memorizes. Config, training, reporting and persistence read this
registry; a new built-in family is one module with its estimator and one entry here.
Users add their own families with :func:`register_model_family` (Python) or a
``[model_families.<name>]`` table in the TOML file (:meth:`ModelFamily.from_table`).
"""

import copy
import dataclasses
from types import MappingProxyType

from sklearn.base import is_classifier

from .._optional import import_dotted
from ._boosting import RegularizedXGBClassifier
from ._forest import RegularizedRandomForestClassifier
from ._linear import RegularizedLogisticRegression
from ._lstm import LSTM_PRESETS, RegularizedLSTMClassifier
from ._mlp import MLP_PRESETS, RegularizedMLPClassifier
from ._naive import MajorityClassifier, PersistenceClassifier

__all__ = [
    "ESTIMATORS",
    "MODEL_FAMILIES",
    "NAIVE_RULES",
    "PRESETS",
    "ModelFamily",
    "make_estimator",
    "model_family",
    "register_model_family",
    "registered_model_families",
]

# The naive rules a user could use instead of a model. They compete with the models
# in skfix train; they learn nothing to regularize, so they have no preset, no grid
# and no augmenter, and they are saved with skops.
NAIVE_RULES = {
    "majority": MajorityClassifier,
    "persistence": PersistenceClassifier,
}

_TABLE_KEYS = ("estimator", "params", "grid", "min_rows", "augmented", "hint", "trusted")


def _qualified(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclasses.dataclass(frozen=True)
class ModelFamily:
    """A family of candidate models, as ``skfix train`` uses it.

    Parameters
    ----------
    name : str
        The short name used in ``models = [...]``, the manifest and the reports.
    estimator : type
        A scikit-learn classifier class.
    presets : dict, default={}
        Parameter sets by preset name (``"skfix"``, ``"legacy"``); a preset the family
        does not name uses its ``"skfix"`` set, or the estimator's own defaults.
    grid : dict, default={}
        The tuning grid, parameter name to a list of values; empty: not tuned.
    min_rows : int, default=0
        Fewest labelled rows a symbol needs for the family to be tried.
    augmented : bool, default=False
        Whether the run's augmenter goes in front of it, as the estimator's
        ``augmenter`` parameter (the estimator must have one).
    hint : str or None, default=None
        What to change when its train-validation gap is too large, for the report.
    model_format : str, default="skops"
        The safe file format its fitted models are saved in (``"skops"``,
        ``"xgboost-json"``, ``"torch-state-dict"``; see :mod:`skfix.persistence`). A
        user's family is always saved with skops.
    trusted : tuple of str, default=()
        For a family outside skfix: further types (``"module.Class"``) its saved
        file may hold besides the estimator class and the types of the estimator's
        own package (skops' allow-list when the file is written and read).

    Examples
    --------
    >>> from skfix.estimators import model_family
    >>> family = model_family("rf")
    >>> family.estimator.__name__, family.grid, family.augmented
    ('RegularizedRandomForestClassifier', {'min_samples_leaf': [10, 0.05, 0.1]}, True)
    """

    name: str
    estimator: type
    presets: dict = dataclasses.field(default_factory=dict)
    grid: dict = dataclasses.field(default_factory=dict)
    min_rows: int = 0
    augmented: bool = False
    hint: str | None = None
    trusted: tuple = ()
    model_format: str = "skops"

    def __post_init__(self):
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise ValueError(
                f"a model family's name must be a Python identifier such as 'hgb'; "
                f"got {self.name!r}."
            )
        if not isinstance(self.estimator, type):
            raise TypeError(
                f"model family {self.name!r}: estimator must be a class; got "
                f"{self.estimator!r}."
            )
        try:
            probe = self.estimator()
        except Exception as exc:
            raise TypeError(
                f"model family {self.name!r}: {_qualified(self.estimator)}() cannot be "
                f"built with its defaults ({type(exc).__name__}: {exc})."
            ) from None
        if not is_classifier(probe):
            raise TypeError(
                f"model family {self.name!r}: {_qualified(self.estimator)} is not a "
                "scikit-learn classifier (is_classifier is False)."
            )
        if self.augmented and "augmenter" not in probe.get_params():
            raise ValueError(
                f"model family {self.name!r}: augmented is true but "
                f"{_qualified(self.estimator)} has no 'augmenter' parameter to take the "
                "augmenter."
            )
        if isinstance(self.min_rows, bool) or not isinstance(self.min_rows, int):
            raise TypeError(
                f"model family {self.name!r}: min_rows must be an integer; got "
                f"{self.min_rows!r}."
            )
        object.__setattr__(self, "trusted", tuple(self.trusted))

    @property
    def path(self):
        """The estimator class as ``"module.Class"``."""
        return _qualified(self.estimator)

    @property
    def builtin(self):
        """Whether the family is one of skfix's own."""
        return self.estimator.__module__.startswith("skfix.")

    @property
    def has_random_state(self):
        """Whether the estimator takes a ``random_state`` (the run's seed goes there)."""
        return "random_state" in self.estimator().get_params()

    def params(self, preset="skfix"):
        """A copy of the family's parameters under ``preset``."""
        return copy.deepcopy(dict(self.presets.get(preset, self.presets.get("skfix", {}))))

    def trusted_types(self):
        """The type names a saved model of this family may hold beyond skops' own
        trusted types; empty for the built-in families, whose formats are fixed."""
        return () if self.builtin else (self.path, *self.trusted)

    @classmethod
    def from_table(cls, name, table, source="the configuration"):
        """A user's family from a ``[model_families.<name>]`` TOML table.

        Parameters
        ----------
        name : str
            The family's short name.
        table : dict
            ``estimator`` (required: the class as ``"package.module.Class"``),
            ``params``, ``grid``, ``min_rows``, ``augmented``, ``hint``, ``trusted``.
        source : str
            Where the table came from, for error messages.

        Returns
        -------
        family : ModelFamily

        Raises
        ------
        ValueError
            Naming the file, the table and the key, what was expected and what was
            found.
        """
        where = f"{source}: [model_families.{name}]"
        if not isinstance(table, dict):
            raise ValueError(f"{where} must be a table; found {table!r}.")
        unknown = sorted(set(table) - set(_TABLE_KEYS))
        if unknown:
            raise ValueError(
                f"{where} has unknown key(s) {unknown}; expected some of "
                f"{list(_TABLE_KEYS)}."
            )
        path = table.get("estimator")
        if not isinstance(path, str) or "." not in path:
            raise ValueError(
                f"{where} estimator must be a class path such as "
                f"'sklearn.ensemble.HistGradientBoostingClassifier'; found {path!r}."
            )
        try:
            estimator = import_dotted(path)
        except (ImportError, AttributeError) as exc:
            raise ValueError(
                f"{where} estimator {path!r} cannot be imported ({type(exc).__name__}: "
                f"{exc})."
            ) from None
        for key, kind in (("params", dict), ("grid", dict), ("trusted", list)):
            if not isinstance(table.get(key, kind()), kind):
                raise ValueError(
                    f"{where} {key} must be a {'table' if kind is dict else 'list'}; "
                    f"found {table[key]!r}."
                )
        hint = table.get("hint")
        if hint is not None and not isinstance(hint, str):
            raise ValueError(f"{where} hint must be a string; found {hint!r}.")
        augmented = table.get("augmented", False)
        if not isinstance(augmented, bool):
            raise ValueError(
                f"{where} augmented must be true or false; found {augmented!r}."
            )
        try:
            return cls(
                name=name,
                estimator=estimator,
                presets={"skfix": dict(table.get("params", {}))},
                grid={key: list(v) for key, v in table.get("grid", {}).items()},
                min_rows=table.get("min_rows", 0),
                augmented=augmented,
                hint=hint,
                trusted=tuple(table.get("trusted", ())),
            )
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{where}: {exc}") from None

    def as_dict(self):
        """The family as plain JSON data (for the manifest's configuration)."""
        return {
            "estimator": self.path,
            "params": self.params(),
            "grid": copy.deepcopy(self.grid),
            "min_rows": self.min_rows,
            "augmented": self.augmented,
            "hint": self.hint,
            "trusted": list(self.trusted),
        }


# Each grid starts at the preset's value (the spec's table), which is also what the
# first fold, with no earlier fold to tune on, uses; the other points regularize
# more, scaled to the data: leaf sizes as shares of the training rows, shallower
# boosting, a narrower net. Epochs (MLP, LSTM) and boosting rounds are tuned by each
# model's time-ordered early stopping. The LSTM has no grid by default: it is the
# costliest model by far (half the run time of the built-in panel with a grid of
# two widths), and no width was measured to help it; give it one in [tuning.grids].
#
# Fewest rows: on AR(1) series at phi 0.3 (Bayes accuracy 0.597) with 600 rows, the
# nets' pooled out-of-sample accuracy was 0.536 (MLP) and 0.502 (LSTM) against 0.564
# for the logistic regression: a candidate that cannot learn from so few rows finds
# nothing and still costs every other candidate a share of the multiple-testing
# correction. From 1,500 rows the MLP reached 0.573.
#
# Augmented: every family but the logistic regression. Its L1 penalty already
# regularizes it, and augmented copies (a row's features shifted by up to two steps
# against its label) blur the one-step signal it finds. On 600-row AR(1) series at phi
# 0.3 (Bayes 0.597) its pooled accuracy was 0.567 without augmentation against 0.563
# with it, and the pooled test found the signal in 75 % of 60 series against 65 %
# (benchmarks/bench_power.py, docs/selection.md).
_BUILTIN = (
    ModelFamily(
        "logistic",
        RegularizedLogisticRegression,
        # The original run had no linear model: its defaults in both presets.
        presets={"skfix": {"C": 0.1, "l1_ratio": 1.0}, "legacy": {}},
        grid={"C": [0.1, 0.3]},
        model_format="skops",
        hint="a smaller C (stronger penalty)",
    ),
    ModelFamily(
        "rf",
        RegularizedRandomForestClassifier,
        presets={
            "skfix": {"max_depth": 10, "min_samples_split": 20, "min_samples_leaf": 10},
            "legacy": {
                "max_depth": 15,
                "min_samples_split": 10,
                "min_samples_leaf": 5,
                "max_features": "sqrt",
            },
        },
        model_format="skops",
        grid={"min_samples_leaf": [10, 0.05, 0.1]},
        augmented=True,
        hint="raise min_samples_leaf / min_samples_split or lower max_depth",
    ),
    ModelFamily(
        "xgb",
        RegularizedXGBClassifier,
        presets={
            "skfix": {"max_depth": 4, "min_child_weight": 5, "subsample": 0.7},
            "legacy": {"max_depth": 6, "min_child_weight": 3, "subsample": 0.8},
        },
        model_format="xgboost-json",
        grid={"max_depth": [4, 2], "learning_rate": [0.05, 0.1]},
        augmented=True,
        hint="lower max_depth, raise min_child_weight or use early stopping",
    ),
    ModelFamily(
        "mlp",
        RegularizedMLPClassifier,
        presets=MLP_PRESETS,
        model_format="torch-state-dict",
        grid={"hidden_layer_sizes": [[256, 128, 64], [32]]},
        min_rows=1000,
        augmented=True,
        hint="more dropout or weight_decay, fewer hidden units or earlier stopping",
    ),
    ModelFamily(
        "lstm",
        RegularizedLSTMClassifier,
        presets=LSTM_PRESETS,
        model_format="torch-state-dict",
        min_rows=1000,
        augmented=True,
        hint="smaller hidden_dim, more dropout or earlier stopping",
    ),
)

_FAMILIES = {family.name: family for family in _BUILTIN}
# The built-in families, read-only; register_model_family adds to the registry
# model_family reads.
MODEL_FAMILIES = MappingProxyType(dict(_FAMILIES))
ESTIMATORS = {name: family.estimator for name, family in MODEL_FAMILIES.items()}
# The legacy values are those of the original training run, kept so that anyone can
# rerun the before/after comparison; they differ from skfix's defaults only where the
# training fixes changed them. The "skfix" presets are the estimators' own defaults,
# spelled out.
PRESETS = {
    preset: {name: f.params(preset) for name, f in MODEL_FAMILIES.items()}
    for preset in ("skfix", "legacy")
}


def register_model_family(family, *, replace=False):
    """Add a model family to the registry, for ``skfix train`` from Python.

    Parameters
    ----------
    family : ModelFamily
        The family; its name must not be a built-in family or a naive rule.
    replace : bool, default=False
        Allow replacing a family registered before under the same name.

    Returns
    -------
    family : ModelFamily

    Examples
    --------
    >>> from sklearn.ensemble import HistGradientBoostingClassifier
    >>> from skfix.estimators import ModelFamily, register_model_family
    >>> hgb = ModelFamily("hgb", HistGradientBoostingClassifier, grid={"max_depth": [2, 3]})
    >>> register_model_family(hgb, replace=True).path
    'sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier'
    """
    if not isinstance(family, ModelFamily):
        raise TypeError(f"family must be a ModelFamily; got {type(family).__name__}.")
    if family.name in MODEL_FAMILIES or family.name in NAIVE_RULES:
        raise ValueError(
            f"{family.name!r} is a built-in model family or naive rule; give yours "
            "another name."
        )
    if family.name in _FAMILIES and not replace:
        raise ValueError(
            f"a model family {family.name!r} is already registered; pass replace=True "
            "to replace it."
        )
    _FAMILIES[family.name] = family
    return family


def registered_model_families():
    """The names of every registered family: the built-in ones first."""
    return list(_FAMILIES)


def model_family(name):
    """The registered family called ``name`` (built-in or registered).

    Raises
    ------
    KeyError
        Naming the families there are.
    """
    try:
        return _FAMILIES[name]
    except KeyError:
        raise KeyError(
            f"unknown model family {name!r}; known families are {sorted(_FAMILIES)}."
        ) from None


def make_estimator(model, preset="skfix", **params):
    """Build an estimator of a model family by its short name, from a named preset.

    Parameters
    ----------
    model : str
        Short name of the family: a key of ``MODEL_FAMILIES`` (``"rf"``, ``"xgb"``,
        ...) or a registered family.
    preset : str, default="skfix"
        Name of the parameter set in ``PRESETS``: ``"skfix"`` (the regularized
        defaults) or ``"legacy"`` (the values of the original training run).
    **params : dict
        Parameters that override the preset's, such as ``random_state``.

    Returns
    -------
    estimator : estimator object
        An unfitted estimator.

    Examples
    --------
    >>> from skfix.estimators import make_estimator
    >>> make_estimator("rf", preset="legacy", random_state=0).max_depth
    15
    """
    if model not in _FAMILIES:
        raise ValueError(f"Unknown model {model!r}: expected one of {sorted(_FAMILIES)}.")
    if preset not in PRESETS:
        raise ValueError(f"Unknown preset {preset!r}: expected one of {sorted(PRESETS)}.")
    family = _FAMILIES[model]
    return family.estimator(**{**family.params(preset), **params})
