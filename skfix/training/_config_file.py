"""A run configuration read from a TOML file (``skfix train --config``) or from the
plain data of one: every key checked, every error naming the file and the key."""

import copy
import dataclasses
import sys
from pathlib import Path

from .._optional import import_dotted
from ..estimators import ModelFamily
from ..selection import Criterion, SelectionCriteria
from ._config import MODEL_MIN_ROWS, ConfigError, TrainConfig

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_TOP_LEVEL = {
    "models",
    "model_families",
    "naive_rules",
    "seed",
    "horizon",
    "preset",
    "criteria",
    "split",
    "augmentation",
    "model_params",
    "tuning",
    "model_min_rows",
    "features",
    "economics",
}


def load_config(path, **overrides):
    """Read a run configuration from a TOML file.

    Parameters
    ----------
    path : str or os.PathLike
        A TOML file with any of the top-level keys ``models``, ``seed``, ``horizon``,
        ``preset`` and the tables ``[criteria]`` (``SelectionCriteria`` fields),
        ``[split]``, ``[augmentation]`` (``TimeSeriesAugmenter`` parameters, or
        ``enabled = false``), ``[model_params.<model>]``, ``[tuning]``
        (``enabled``, ``inner_splits``, ``[tuning.grids.<model>]``) and
        ``[model_min_rows]`` and ``[features]`` (``builtin``, ``columns``, ``lag``,
        the windows, ``trusted``, ``leak_auc``; ``rsi_window = false`` leaves the RSI
        out) and ``[economics]`` (``cost_bps``, ``positions``, ``pbo_blocks``).
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


def _import_class(path, base, where, example):
    """The class the dotted `path` names, `base` or a subclass of it; a ConfigError
    naming `where` otherwise."""
    try:
        cls = import_dotted(path) if isinstance(path, str) else None
    except ValueError:
        cls = None
    except (ImportError, AttributeError) as exc:
        raise ConfigError(
            f"{where} {path!r} cannot be imported ({type(exc).__name__}: {exc})."
        ) from None
    if cls is None:
        raise ConfigError(
            f"{where} must be a class path such as {example!r}; found {path!r}."
        )
    if not (isinstance(cls, type) and issubclass(cls, base)):
        name = f"{base.__module__.split('._')[0]}.{base.__name__}"
        raise ConfigError(
            f"{where} {path!r} must be {name} or a subclass of {name}; found {cls!r}."
        )
    return cls


def _criteria_class(path, source):
    """The criteria class a ``[criteria]`` table names with ``class = "pkg.Module"``:
    SelectionCriteria or a subclass of it (a user's own criteria)."""
    if path is None:
        return SelectionCriteria
    return _import_class(
        path,
        SelectionCriteria,
        f"{source}: [criteria] class",
        "mypackage.criteria.MyCriteria",
    )


def _extra_criteria(tables, source):
    """A user's own criteria from ``[[criteria.extra]]`` tables: ``class`` names a
    :class:`skfix.selection.Criterion` subclass, the other keys are its fields."""
    where = f"{source}: [[criteria.extra]]"
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ConfigError(
            f'{where} must be tables with class = "mypackage.MyCriterion" and the '
            f"criterion's fields; found {tables!r}."
        )
    criteria = []
    for table in tables:
        table = dict(table)
        path = table.pop("class", None)
        cls = _import_class(
            path, Criterion, f"{where} class", "mypackage.criteria.MinPooledAccuracy"
        )
        known = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise ConfigError(
                f"{where} {path}: unknown key(s) {unknown}; expected some of "
                f"{sorted(known)}."
            )
        try:
            criteria.append(cls(**table))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where} {path}: {exc}") from None
    return tuple(criteria)


def config_from_dict(raw, *, source="the configuration", **overrides):
    """Build a validated ``TrainConfig`` from plain data (a parsed TOML file)."""
    unknown = sorted(set(raw) - _TOP_LEVEL)
    if unknown:
        raise ConfigError(
            f"{source}: unknown key(s) {unknown}; expected some of {sorted(_TOP_LEVEL)}."
        )
    for key in (
        "criteria",
        "split",
        "augmentation",
        "tuning",
        "model_min_rows",
        "features",
    ):
        if key in raw and not isinstance(raw[key], dict):
            raise ConfigError(
                f"{source}: {key} must be a table ([{key}] with key = value lines); "
                f"found {type(raw[key]).__name__} {raw[key]!r}."
            )
    if "model_params" in raw and not (
        isinstance(raw["model_params"], dict)
        and all(isinstance(v, dict) for v in raw["model_params"].values())
    ):
        raise ConfigError(
            f"{source}: model_params must be a table of tables ([model_params.rf] ...); "
            f"found {raw['model_params']!r}."
        )
    for key, what, example in (
        ("naive_rules", "rule", '["majority", "persistence"]'),
        ("models", "model", '["logistic", "rf"]'),
    ):
        names = raw.get(key, [])
        if not isinstance(names, list) or not all(isinstance(m, str) for m in names):
            raise ConfigError(
                f"{source}: {key} must be a list of {what} names such as {example}; "
                f"found {names!r}."
            )
    values = {key: raw[key] for key in ("seed", "horizon", "preset") if key in raw}
    if "model_families" in raw:
        tables = raw["model_families"]
        if not isinstance(tables, dict):
            raise ConfigError(
                f"{source}: model_families must be a table of tables "
                f"([model_families.hgb] ...); found {tables!r}."
            )
        families = {}
        for name, table in tables.items():
            try:
                families[name] = ModelFamily.from_table(name, table, source)
            except ValueError as exc:
                raise ConfigError(str(exc)) from None
        values["model_families"] = families
    if "models" in raw:
        values["models"] = tuple(raw["models"])
    if "naive_rules" in raw:
        values["naive_rules"] = tuple(raw["naive_rules"])
    if "criteria" in raw:
        table = dict(raw["criteria"])
        cls = _criteria_class(table.pop("class", None), source)
        if "extra" in table:
            table["extra"] = _extra_criteria(table["extra"], source)
        fields = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(table) - set(fields))
        if unknown:
            raise ConfigError(
                f"{source}: [criteria] has unknown key(s) {unknown}; expected some of "
                f"{sorted(fields)}."
            )
        try:
            values["criteria"] = cls(**table)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: [criteria] {exc}") from None
    if "split" in raw:
        values["split"] = dict(raw["split"])
    if "economics" in raw:
        values["economics"] = dict(raw["economics"])
    if "features" in raw:
        table = copy.deepcopy(raw["features"])
        if table.get("rsi_window") is False:  # TOML has no null: false leaves it out
            table["rsi_window"] = None
        values["features"] = table
    if "augmentation" in raw:
        augmentation = dict(raw["augmentation"])
        enabled = augmentation.pop("enabled", True)
        if "models" in augmentation:
            models = augmentation.pop("models")
            values["augmented_models"] = (
                tuple(models) if isinstance(models, list) else models
            )
        values["augmentation"] = augmentation if enabled else None
    if "tuning" in raw:
        values["tuning"] = copy.deepcopy(raw["tuning"])
    if "model_min_rows" in raw:
        values["model_min_rows"] = {**MODEL_MIN_ROWS, **dict(raw["model_min_rows"])}
    if "model_params" in raw:
        values["model_params"] = {
            model: dict(params) for model, params in raw["model_params"].items()
        }
    values.update({key: value for key, value in overrides.items() if value is not None})
    return TrainConfig(**values, source=source)
