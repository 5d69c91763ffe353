"""The configuration of a training run (``TrainConfig``); reading it from a TOML file
is ``_config_file``'s."""

import copy
import dataclasses

from .._compat import validate_params
from ..augment import TimeSeriesAugmenter
from ..estimators import MODEL_FAMILIES, NAIVE_RULES, PRESETS, ModelFamily, model_family
from ..estimators._families import registered_model_families
from ..selection import PurgedWalkForwardSplit, SelectionCriteria

MODELS = tuple(MODEL_FAMILIES)  # ("logistic", "rf", "xgb", "mlp", "lstm")
# The naive rules that compete with the models: "majority" is the baseline every
# candidate must beat, "persistence" is deployed where it is the best that survives.
RULES = tuple(NAIVE_RULES)  # ("majority", "persistence")
SPLIT_DEFAULTS = {"n_splits": 5, "test_size": 0.2, "embargo": 0, "window": "expanding"}
# The built-in families' grids, fewest rows and augmentation, from the model registry
# (skfix.estimators.MODEL_FAMILIES, where each is explained).
TUNING_GRIDS = {name: family.grid for name, family in MODEL_FAMILIES.items()}
TUNING_DEFAULTS = {"enabled": True, "inner_splits": 3}
MODEL_MIN_ROWS = {n: f.min_rows for n, f in MODEL_FAMILIES.items() if f.min_rows}
AUGMENTED_MODELS = tuple(n for n, f in MODEL_FAMILIES.items() if f.augmented)
# The [features] table: PriceFeatures' parameters, and the look-ahead guard's.
FEATURE_STEP_KEYS = (
    "builtin",
    "columns",
    "lag",
    "return_windows",
    "volatility_windows",
    "ma_windows",
    "rsi_window",
)
FEATURE_KEYS = (*FEATURE_STEP_KEYS, "trusted", "leak_auc")


class ConfigError(ValueError):
    """A run configuration value is invalid; the message names the key and the file."""


@dataclasses.dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what ``train_panel`` computes.

    Two runs with the same configuration and data give the same manifest (bar the
    creation time), whatever the number of jobs or the backend.

    Parameters
    ----------
    models : tuple of str, default=("rf", "xgb", "mlp", "lstm")
        Short names of the candidate models, as in ``skfix.estimators.ESTIMATORS``.
    seed : int, default=0
        ``random_state`` of every model and of the augmenter.
    horizon : int, default=1
        Rows ahead the label looks; also the purge gap of every split.
    preset : {"skfix", "legacy"}, default="skfix"
        The models' parameter set before ``model_params`` are applied.
    criteria : SelectionCriteria, default=SelectionCriteria()
        Acceptance rules.
    split : dict, default={"n_splits": 5, "test_size": 0.2, "embargo": 0, \
"window": "expanding"}
        Walk-forward folds (``PurgedWalkForwardSplit`` parameters but ``gap``, which is
        the horizon) and the share of the final test window.
    augmentation : dict or None, default={}
        Parameters of ``TimeSeriesAugmenter``; ``None`` turns augmentation off.
    augmented_models : tuple of str, default=("rf", "xgb", "mlp", "lstm")
        The models the augmenter is put in front of (``[augmentation] models`` in a
        TOML file). The logistic regression is left out by default: its penalty
        regularizes it, and augmented copies blur the signal it finds.
    model_params : dict, default={}
        Per model short name, parameters that override the preset's.
    tuning : dict, default={}
        ``enabled`` (default True), ``inner_splits`` (default 3) and ``grids``, a
        dict of model short name to a parameter grid that replaces the default one
        (``TUNING_GRIDS``; an empty grid turns tuning off for that model). Each
        candidate is then a :class:`~skfix.selection.GapPenalizedGridSearchCV` over
        its grid with an inner purged walk-forward split, nested inside the outer
        folds, so its validation scores stay honest.
    naive_rules : tuple of str, default=("majority", "persistence")
        The naive rules that compete with the models as candidates
        (``skfix.estimators.NAIVE_RULES``): always the training majority class, and the
        same direction as the last ``horizon`` rows (the feature ``return_{horizon}``).
        An empty tuple leaves them out of the candidates; the baselines are still
        scored on every candidate's rows.
    model_families : dict, default={}
        The user's own model families by name (:class:`~skfix.estimators.ModelFamily`,
        ``[model_families.<name>]`` tables in a TOML file), beside the built-in ones
        and those registered with :func:`~skfix.estimators.register_model_family`;
        ``models`` may name them.
    model_min_rows : dict, default={"mlp": 1000, "lstm": 1000}
        Per model short name, the fewest labelled rows a symbol needs for the model to
        be tried; on fewer the candidate is recorded as ``"skipped"``. Complexity
        scaled to the data: the neural nets find nothing on a few hundred rows, and an
        extra candidate that cannot find anything still weakens the test of the others.
    features : dict, default={}
        The ``[features]`` table: :class:`~skfix.features.PriceFeatures` parameters
        (``builtin``, ``columns``, ``lag`` and the windows) and the look-ahead
        guard's ``trusted`` (user columns never flagged) and ``leak_auc`` (the AUC
        from which a user column is a probable leak, default
        :data:`skfix.features.LEAK_AUC`). Empty: the ten built-in price features.
    economics : dict, default={}
        The ``[economics]`` table, :class:`~skfix.economics.Economics` parameters:
        ``cost_bps`` (default 5), ``positions`` (``"long_short"`` or
        ``"long_flat"``) and ``pbo_blocks`` (16): how each candidate's out-of-sample
        calls are traded for its returns after costs, Sharpe ratio, deflated Sharpe
        ratio and the symbol's probability of backtest overfitting.
    source : str, default="the configuration"
        Where the values came from (a TOML file's path), named by every error message;
        not kept.
    """

    models: tuple = MODELS
    seed: int = 0
    horizon: int = 1
    preset: str = "skfix"
    criteria: SelectionCriteria = dataclasses.field(default_factory=SelectionCriteria)
    split: dict = dataclasses.field(default_factory=lambda: dict(SPLIT_DEFAULTS))
    augmentation: dict | None = dataclasses.field(default_factory=dict)
    augmented_models: tuple = AUGMENTED_MODELS
    model_params: dict = dataclasses.field(default_factory=dict)
    tuning: dict = dataclasses.field(default_factory=dict)
    model_min_rows: dict = dataclasses.field(default_factory=lambda: dict(MODEL_MIN_ROWS))
    naive_rules: tuple = RULES
    model_families: dict = dataclasses.field(default_factory=dict)
    features: dict = dataclasses.field(default_factory=dict)
    economics: dict = dataclasses.field(default_factory=dict)
    source: dataclasses.InitVar[str] = "the configuration"

    def __post_init__(self, source):
        # Families registered from Python travel with the configuration, so that the
        # worker processes of n_jobs=2 or a Dask cluster, which never ran the
        # registration, build them too.
        if isinstance(self.model_families, dict) and isinstance(self.models, tuple | list):
            registered = set(registered_model_families()) - set(MODELS)
            own = {
                m: model_family(m)
                for m in self.models
                if m in registered and m not in self.model_families
            }
            if own:
                object.__setattr__(self, "model_families", {**own, **self.model_families})
        self.validate(source)

    def validate(self, source="the configuration"):
        """Check every value now, so that a bad one stops the run before training.

        Raises
        ------
        ConfigError
            Naming the key, what was expected and what was found.
        """
        if not isinstance(self.model_families, dict) or not all(
            isinstance(f, ModelFamily) and f.name == name
            for name, f in self.model_families.items()
        ):
            raise ConfigError(
                f"{source}: model_families must map names to ModelFamily objects of "
                f"that name; found {self.model_families!r}."
            )
        clash = sorted(set(self.model_families) & {*MODELS, *RULES})
        if clash:
            raise ConfigError(
                f"{source}: [model_families.{clash[0]}] would replace a built-in model "
                "family or naive rule; give yours another name."
            )
        known = self.known_models()
        unknown = sorted(set(self.models) - set(known))
        if unknown or not self.models:
            raise ConfigError(
                f"{source}: models must be a non-empty list of {known}; "
                f"found {list(self.models)}."
            )
        rules = self.naive_rules
        if (
            isinstance(rules, str)
            or not isinstance(rules, list | tuple)
            or sorted(set(rules) - set(RULES))
            or len(set(rules)) != len(rules)
        ):
            raise ConfigError(
                f"{source}: naive_rules must be a list of distinct rule names, some of "
                f"{list(RULES)}; found {rules!r}."
            )
        for key in ("seed", "horizon"):
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"{source}: {key} must be a non-negative integer; found {value!r}."
                )
        if self.horizon < 1:
            raise ConfigError(
                f"{source}: horizon must be at least 1; found {self.horizon}."
            )
        if self.preset not in PRESETS:
            raise ConfigError(
                f"{source}: preset must be one of {sorted(PRESETS)}; found {self.preset!r}."
            )
        if not isinstance(self.criteria, SelectionCriteria):
            raise ConfigError(f"{source}: criteria must be a SelectionCriteria.")
        self.splitter(source=source)
        self.augmenter(source=source)
        self._check_features(source)
        self.economics_settings(source)
        unknown = sorted(set(self.augmented_models) - set(known))
        if isinstance(self.augmented_models, str) or unknown:
            raise ConfigError(
                f"{source}: [augmentation] models must be a list of model names "
                f"({known}); found {self.augmented_models!r}."
            )
        for model in self.augmented_models:
            if "augmenter" not in self.family(model).estimator().get_params():
                raise ConfigError(
                    f"{source}: [augmentation] models names {model!r}, but "
                    f"{self.family(model).path} has no 'augmenter' parameter to take "
                    "the augmenter."
                )
        unknown = sorted(set(self.model_params) - set(known))
        if unknown:
            raise ConfigError(
                f"{source}: [model_params] has unknown model(s) {unknown}; expected "
                f"some of {known}."
            )
        for model in self.models:
            self.estimator(model, source=source)
        self._check_tuning(source)
        unknown = sorted(set(self.model_min_rows) - set(known))
        if not isinstance(self.model_min_rows, dict) or unknown:
            raise ConfigError(
                f"{source}: [model_min_rows] must map model names ({known}) to "
                f"row counts; found {self.model_min_rows!r}."
            )
        for model, rows in self.model_min_rows.items():
            if isinstance(rows, bool) or not isinstance(rows, int) or rows < 0:
                raise ConfigError(
                    f"{source}: [model_min_rows] {model} must be a non-negative integer; "
                    f"found {rows!r}."
                )

    def _check_features(self, source):
        where = f"{source}: [features]"
        if not isinstance(self.features, dict):
            raise ConfigError(f"{where} must be a table; found {self.features!r}.")
        unknown = sorted(set(self.features) - set(FEATURE_KEYS))
        if unknown:
            raise ConfigError(
                f"{where} has unknown key(s) {unknown}; expected some of "
                f"{list(FEATURE_KEYS)}."
            )
        try:
            step = self.feature_step()
            validate_params(step)
            step._check_params()
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where} {exc}") from None
        trusted = self.features.get("trusted", [])
        if not isinstance(trusted, list | tuple) or not all(
            isinstance(c, str) for c in trusted
        ):
            raise ConfigError(
                f"{where} trusted must be a list of column names; found {trusted!r}."
            )
        auc = self.leak_auc
        if isinstance(auc, bool) or not isinstance(auc, int | float) or not 0.5 < auc <= 1:
            raise ConfigError(
                f"{where} leak_auc must be a number in (0.5, 1]; found {auc!r}."
            )

    def economics_settings(self, source="the configuration"):
        """The :class:`~skfix.economics.Economics` of ``[economics]``."""
        from ..economics import Economics

        where = f"{source}: [economics]"
        if not isinstance(self.economics, dict):
            raise ConfigError(f"{where} must be a table; found {self.economics!r}.")
        try:
            return Economics(**self.economics)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where} {exc}") from None

    def feature_step(self):
        """A fresh, unfitted :class:`~skfix.features.PriceFeatures` of ``[features]``."""
        from ..features import PriceFeatures

        params = {k: v for k, v in self.features.items() if k in FEATURE_STEP_KEYS}
        for key in ("return_windows", "volatility_windows", "ma_windows", "builtin"):
            if isinstance(params.get(key), list):
                params[key] = tuple(params[key])
        if isinstance(params.get("columns"), list):
            params["columns"] = tuple(params["columns"])
        return PriceFeatures(**params)

    @property
    def trusted_columns(self):
        """User columns the look-ahead guard never flags."""
        return tuple(self.features.get("trusted", ()))

    @property
    def leak_auc(self):
        """The AUC from which a user column is a probable leak."""
        from ..features import LEAK_AUC

        return self.features.get("leak_auc", LEAK_AUC)

    def known_models(self):
        """The model names this configuration can train: the built-in families, those
        registered from Python and its own ``model_families``."""
        return [*registered_model_families(), *self.model_families]

    def family(self, model):
        """The :class:`~skfix.estimators.ModelFamily` of a model name."""
        if model in self.model_families:
            return self.model_families[model]
        return model_family(model)

    def min_rows(self, model):
        """The fewest labelled rows ``model`` is tried on."""
        family = self.family(model)
        return self.model_min_rows.get(model, 0 if family.builtin else family.min_rows)

    def is_augmented(self, model):
        """Whether the augmenter goes in front of ``model``."""
        family = self.family(model)
        return model in self.augmented_models or (not family.builtin and family.augmented)

    def rule(self, name):
        """A fresh naive rule: the majority class, or persistence over ``horizon``."""
        if name == "persistence":
            return NAIVE_RULES[name](feature=f"return_{self.horizon}")
        return NAIVE_RULES[name]()

    def models_for(self, n_rows):
        """The models tried on a symbol of ``n_rows`` labelled rows, and the others."""
        tried = [m for m in self.models if n_rows >= self.min_rows(m)]
        return tried, [m for m in self.models if m not in tried]

    def _check_tuning(self, source):
        where = f"{source}: [tuning]"
        if not isinstance(self.tuning, dict):
            raise ConfigError(f"{where} must be a table; found {self.tuning!r}.")
        unknown = sorted(set(self.tuning) - {*TUNING_DEFAULTS, "grids"})
        if unknown:
            raise ConfigError(
                f"{where} has unknown key(s) {unknown}; expected some of "
                f"{sorted({*TUNING_DEFAULTS, 'grids'})}."
            )
        settings = {**TUNING_DEFAULTS, **self.tuning}
        if not isinstance(settings["enabled"], bool):
            raise ConfigError(
                f"{where} enabled must be true or false; found {settings['enabled']!r}."
            )
        splits = settings["inner_splits"]
        if isinstance(splits, bool) or not isinstance(splits, int) or splits < 2:
            raise ConfigError(
                f"{where} inner_splits must be an integer >= 2; found {splits!r}."
            )
        grids = settings.get("grids", {})
        if (
            not isinstance(grids, dict)
            or sorted(set(grids) - set(self.known_models()))
            or not all(isinstance(grid, dict) for grid in grids.values())
        ):
            raise ConfigError(
                f"{where} grids must be a table of model names "
                f"({self.known_models()}), each a table of parameter lists; found "
                f"{grids!r}."
            )
        for model in self.models:
            grid = self.grid(model)
            for key, values in grid.items():
                if not isinstance(values, list | tuple) or not values:
                    raise ConfigError(
                        f"{where} grids.{model}.{key} must be a non-empty list of "
                        f"values; found {values!r}."
                    )
                for value in values:
                    params = {**self.estimator_params(model), key: value}
                    _validated(
                        self.family(model).estimator,
                        params,
                        f"{where} grids.{model}.{key}",
                    )

    def grid(self, model):
        """The parameter grid ``model`` is tuned over; empty when not tuned."""
        settings = {**TUNING_DEFAULTS, **self.tuning}
        if not settings["enabled"] or model in NAIVE_RULES:
            return {}
        grids = settings.get("grids", {})
        grid = grids[model] if model in grids else self.family(model).grid
        return copy.deepcopy(dict(grid))

    @property
    def inner_splits(self):
        """Folds of the inner purged walk-forward split that tunes each model."""
        return {**TUNING_DEFAULTS, **self.tuning}["inner_splits"]

    def splitter(self, source="the configuration"):
        """The walk-forward splitter of the selection part."""
        params = {**SPLIT_DEFAULTS, **self.split}
        unknown = sorted(set(params) - set(SPLIT_DEFAULTS))
        if unknown:
            raise ConfigError(
                f"{source}: [split] has unknown key(s) {unknown}; expected some of "
                f"{sorted(SPLIT_DEFAULTS)}."
            )
        test_size = params.pop("test_size")
        if isinstance(test_size, bool) or not (
            isinstance(test_size, float)
            and 0 < test_size < 1
            or isinstance(test_size, int)
            and test_size >= 1
        ):
            raise ConfigError(
                f"{source}: [split] test_size must be a share in (0, 1) or a number of "
                f"rows >= 1; found {test_size!r}."
            )
        try:
            splitter = PurgedWalkForwardSplit(gap=self.horizon, **params)
            splitter._checked_params()
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: [split] {exc}") from None
        return splitter

    @property
    def test_size(self):
        """The final test window: a share of the rows, or a number of rows."""
        return {**SPLIT_DEFAULTS, **self.split}["test_size"]

    def augmenter(self, model=None, source="the configuration"):
        """A fresh ``TimeSeriesAugmenter``, or None when augmentation is off (for
        ``model``, when it is not one of ``augmented_models``)."""
        if self.augmentation is None or (
            model is not None and not self.is_augmented(model)
        ):
            return None
        params = {"random_state": self.seed, **self.augmentation}
        return _validated(TimeSeriesAugmenter, params, f"{source}: [augmentation]")

    def estimator_params(self, model):
        """The parameters the model is built with: preset, overrides and seed."""
        family = self.family(model)
        seed = {"random_state": self.seed} if family.has_random_state else {}
        return {
            **family.params(self.preset),
            **seed,
            **copy.deepcopy(self.model_params.get(model, {})),
        }

    def estimator(self, model, source="the configuration"):
        """A fresh, unfitted estimator of the named model (without augmenter)."""
        return _validated(
            self.family(model).estimator,
            self.estimator_params(model),
            f"{source}: [model_params.{model}]",
        )

    def as_dict(self):
        """The configuration as plain JSON data (for the manifest)."""
        return {
            "models": list(self.models),
            "naive_rules": list(self.naive_rules),
            "seed": self.seed,
            "horizon": self.horizon,
            "preset": self.preset,
            "criteria": {
                # a user's own criteria class, by the path a TOML file names it with
                **(
                    {
                        "class": f"{type(self.criteria).__module__}."
                        f"{type(self.criteria).__qualname__}"
                    }
                    if type(self.criteria) is not SelectionCriteria
                    else {}
                ),
                **self.criteria.as_dict(),
            },
            "split": {
                "scheme": "PurgedWalkForwardSplit",
                **SPLIT_DEFAULTS,
                **self.split,
                "gap": self.horizon,
            },
            "augmentation": (
                None if self.augmentation is None else self.augmenter().get_params()
            ),
            "augmented_models": [m for m in self.models if self.is_augmented(m)],
            "features": {
                **{
                    key: list(value) if isinstance(value, tuple) else value
                    for key, value in self.feature_step().get_params().items()
                },
                "trusted": list(self.trusted_columns),
                "leak_auc": self.leak_auc,
            },
            "economics": self.economics_settings().as_dict(),
            "model_params": {model: self.estimator_params(model) for model in self.models},
            "model_min_rows": dict(self.model_min_rows),
            "tuning": {
                "enabled": {**TUNING_DEFAULTS, **self.tuning}["enabled"],
                "inner_splits": self.inner_splits,
                "refit": "gap_penalized_refit(gap_weight=0.5, std_weight=0.5)",
                "grids": {model: self.grid(model) for model in self.models},
            },
            # only when a model outside skfix is trained: its class and the types its
            # file may hold are what `skfix predict` trusts when it loads the file
            **(
                {"model_families": {m: self.family(m).as_dict() for m in own}}
                if (own := [m for m in self.models if not self.family(m).builtin])
                else {}
            ),
        }

    def replace(self, **changes):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)


def _validated(cls, params, where):
    try:
        estimator = cls(**params)
    except TypeError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    try:
        validate_params(estimator)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return estimator
