"""``skfix train`` as a Python call: many symbols, every model, an honest record."""

from ._backend import WorkerLostError
from ._config import MODELS, ConfigError, TrainConfig
from ._config_file import config_from_dict, load_config
from ._load import DataError, load_panel
from ._manifest import apply_panel_correction, build_manifest
from ._panel import train_panel
from ._symbol import build_candidates, train_symbol

__all__ = [
    "MODELS",
    "ConfigError",
    "DataError",
    "TrainConfig",
    "WorkerLostError",
    "apply_panel_correction",
    "build_candidates",
    "build_manifest",
    "config_from_dict",
    "load_config",
    "load_panel",
    "train_panel",
    "train_symbol",
]
