"""``skfix train`` as a Python call: many symbols, every model, an honest record."""

from ._config import MODELS, ConfigError, TrainConfig, config_from_dict, load_config
from ._panel import (
    DataError,
    apply_panel_correction,
    build_candidates,
    build_manifest,
    load_panel,
    train_panel,
    train_symbol,
)

__all__ = [
    "MODELS",
    "ConfigError",
    "DataError",
    "TrainConfig",
    "apply_panel_correction",
    "build_candidates",
    "build_manifest",
    "config_from_dict",
    "load_config",
    "load_panel",
    "train_panel",
    "train_symbol",
]
