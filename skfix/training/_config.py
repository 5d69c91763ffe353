"""The configuration of a training run, from keyword arguments or a TOML file."""

import copy
import dataclasses
import sys
from pathlib import Path

from ..augment import TimeSeriesAugmenter
from ..estimators import ESTIMATORS, PRESETS
from ..selection import PurgedWalkForwardSplit, SelectionCriteria

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MODELS = tuple(ESTIMATORS)  # ("rf", "xgb", "mlp", "lstm")
SPLIT_DEFAULTS = {"n_splits": 5, "test_size": 0.2, "embargo": 0, "window": "expanding"}
_TOP_LEVEL = {
    "models",
    "seed",
    "horizon",
    "preset",
    "criteria",
    "split",
    "augmentation",
    "model_params",
}


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
    model_params : dict, default={}
        Per model short name, parameters that override the preset's.
    """

    models: tuple = MODELS
    seed: int = 0
    horizon: int = 1
    preset: str = "skfix"
    criteria: SelectionCriteria = dataclasses.field(default_factory=SelectionCriteria)
    split: dict = dataclasses.field(default_factory=lambda: dict(SPLIT_DEFAULTS))
    augmentation: dict | None = dataclasses.field(default_factory=dict)
    model_params: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.validate()

    def validate(self, source="the configuration"):
        """Check every value now, so that a bad one stops the run before training.

        Raises
        ------
        ConfigError
            Naming the key, what was expected and what was found.
        """
        unknown = sorted(set(self.models) - set(MODELS))
        if unknown or not self.models:
            raise ConfigError(
                f"{source}: models must be a non-empty list of {list(MODELS)}; "
                f"found {list(self.models)}."
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
        unknown = sorted(set(self.model_params) - set(MODELS))
        if unknown:
            raise ConfigError(
                f"{source}: [model_params] has unknown model(s) {unknown}; expected "
                f"some of {list(MODELS)}."
            )
        for model in self.models:
            self.estimator(model, source=source)

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

    def augmenter(self, source="the configuration"):
        """A fresh ``TimeSeriesAugmenter``, or None when augmentation is off."""
        if self.augmentation is None:
            return None
        params = {"random_state": self.seed, **self.augmentation}
        return _validated(TimeSeriesAugmenter, params, f"{source}: [augmentation]")

    def estimator_params(self, model):
        """The parameters the model is built with: preset, overrides and seed."""
        return {
            **copy.deepcopy(PRESETS[self.preset].get(model, {})),
            "random_state": self.seed,
            **copy.deepcopy(self.model_params.get(model, {})),
        }

    def estimator(self, model, source="the configuration"):
        """A fresh, unfitted estimator of the named model (without augmenter)."""
        return _validated(
            ESTIMATORS[model],
            self.estimator_params(model),
            f"{source}: [model_params.{model}]",
        )

    def as_dict(self):
        """The configuration as plain JSON data (for the manifest)."""
        return {
            "models": list(self.models),
            "seed": self.seed,
            "horizon": self.horizon,
            "preset": self.preset,
            "criteria": self.criteria.as_dict(),
            "split": {
                "scheme": "PurgedWalkForwardSplit",
                **SPLIT_DEFAULTS,
                **self.split,
                "gap": self.horizon,
            },
            "augmentation": (
                None if self.augmentation is None else self.augmenter().get_params()
            ),
            "model_params": {model: self.estimator_params(model) for model in self.models},
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
        estimator._validate_params()
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return estimator


def load_config(path, **overrides):
    """Read a run configuration from a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file with any of the top-level keys ``models``, ``seed``, ``horizon``,
        ``preset`` and the tables ``[criteria]`` (``SelectionCriteria`` fields),
        ``[split]``, ``[augmentation]`` (``TimeSeriesAugmenter`` parameters, or
        ``enabled = false``) and ``[model_params.<model>]``.
    **overrides : dict
        Values that take precedence over the file's (the command line's).

    Returns
    -------
    config : TrainConfig

    Raises
    ------
    ConfigError
        If the file cannot be read or parsed, or a key or value is invalid; the
        message names the file and the key.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc.strerror}.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}.") from None
    return config_from_dict(raw, source=str(path), **overrides)


def config_from_dict(raw, *, source="the configuration", **overrides):
    """Build a validated ``TrainConfig`` from plain data (a parsed TOML file)."""
    unknown = sorted(set(raw) - _TOP_LEVEL)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {unknown}; expected some of {sorted(_TOP_LEVEL)}."
        )
    values = {key: raw[key] for key in ("seed", "horizon", "preset") if key in raw}
    if "models" in raw:
        values["models"] = tuple(raw["models"])
    if "criteria" in raw:
        try:
            values["criteria"] = SelectionCriteria(**raw["criteria"])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: [criteria] {exc}") from None
    if "split" in raw:
        values["split"] = dict(raw["split"])
    if "augmentation" in raw:
        augmentation = dict(raw["augmentation"])
        enabled = augmentation.pop("enabled", True)
        values["augmentation"] = augmentation if enabled else None
    if "model_params" in raw:
        values["model_params"] = {
            model: dict(params) for model, params in raw["model_params"].items()
        }
    values.update({key: value for key, value in overrides.items() if value is not None})
    config = TrainConfig.__new__(TrainConfig)
    for field in dataclasses.fields(TrainConfig):
        default = (
            field.default_factory()
            if field.default_factory is not dataclasses.MISSING
            else field.default
        )
        object.__setattr__(config, field.name, values.get(field.name, default))
    config.validate(source)
    return config
