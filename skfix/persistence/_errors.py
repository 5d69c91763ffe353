"""The errors raised when a saved model or a deployment manifest cannot be trusted."""

# ManifestError lives with the manifest; persistence raises it and re-exports it.
from ..manifest import ManifestError

__all__ = ["ManifestError", "ModelIntegrityError", "UntrustedTypesError"]


class ModelIntegrityError(ValueError):
    """A model file's content is not what its record says it is.

    Raised when the SHA-256 of a model file differs from the one recorded when it was
    saved, or when the file is not a well-formed skfix model bundle. The message names
    the file, the expected and the found hash.

    Parameters
    ----------
    message : str
        What is wrong, naming the file.
    path : str or os.PathLike, default=None
        The refused file.
    expected : str, default=None
        The recorded SHA-256.
    found : str, default=None
        The SHA-256 of the file on disk.
    """

    def __init__(self, message, *, path=None, expected=None, found=None):
        super().__init__(message)
        self.path = path
        self.expected = expected
        self.found = found


class UntrustedTypesError(ValueError):
    """A skops payload would build types outside skfix's explicit allow-list.

    Parameters
    ----------
    message : str
        What is wrong, naming the untrusted types.
    untrusted_types : list of str, default=()
        Fully qualified names of the types that are not allowed.
    """

    def __init__(self, message, *, untrusted_types=()):
        super().__init__(message)
        self.untrusted_types = list(untrusted_types)
