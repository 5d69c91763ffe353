"""Safe model files: save fitted estimators without pickle, load them only once verified.

Every model is one zip bundle of JSON and a payload in a format that runs no code when
read (skops with an explicit allow-list, XGBoost's JSON, a torch ``state_dict`` as
``.npz``); its SHA-256 goes into the deployment manifest and is checked before loading.
"""

from ._deployment import SUPPORTED_SCHEMA_VERSIONS, load_deployment
from ._errors import ManifestError, ModelIntegrityError, UntrustedTypesError
from ._model_file import load_model, model_signature, save_model

__all__ = [
    "SUPPORTED_SCHEMA_VERSIONS",
    "ManifestError",
    "ModelIntegrityError",
    "UntrustedTypesError",
    "load_deployment",
    "load_model",
    "model_signature",
    "save_model",
]
