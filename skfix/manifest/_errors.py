"""The one exception of every manifest problem."""


class ManifestError(ValueError):
    """A deployment manifest or a model record is malformed or of an unknown version."""
