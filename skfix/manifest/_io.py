"""Reading and writing a manifest: one reader, one writer, with clear refusals."""

import json
import os
from pathlib import Path

from .._io import non_regular_kind
from ._errors import ManifestError

__all__ = ["read_manifest", "read_regular_file", "write_manifest"]


# Larger than any model skfix writes by far; a file past it is not one of them.
MAX_FILE_BYTES = 2**31


def read_regular_file(path, what):
    """The bytes of a regular file, refusing anything else before opening it.

    A FIFO would block the reader forever, and ``/dev/zero`` would be read without
    end: a path (or the target of a symlink) that is not a regular file, or that is
    larger than :data:`MAX_FILE_BYTES`, raises :class:`ManifestError` naming it.
    """
    mode = os.stat(path)  # follows symlinks; FileNotFoundError passes through
    kind = non_regular_kind(mode.st_mode)
    if kind is not None:
        raise ManifestError(
            f"refusing to read the {what} {path}: expected a regular file, found {kind}"
        )
    if mode.st_size > MAX_FILE_BYTES:
        raise ManifestError(
            f"refusing to read the {what} {path}: {mode.st_size:,} bytes, more than the "
            f"{MAX_FILE_BYTES:,} a skfix file can be"
        )
    with open(path, "rb") as handle:
        return handle.read(MAX_FILE_BYTES + 1)


def read_manifest(path):
    """Read a manifest file, refusing anything that is not one, naming the file.

    Parameters
    ----------
    path : str or os.PathLike
        A ``manifest.json``.

    Returns
    -------
    manifest : dict
        The parsed JSON object, not yet validated against the schema (see
        :func:`validate_manifest`).

    Raises
    ------
    FileNotFoundError
        If `path` does not exist ("manifest not found").
    ManifestError
        If it is not a regular file, not UTF-8, not JSON, nested too deeply or not a
        JSON object.
    """
    path = Path(path)
    try:
        data = read_regular_file(path, "manifest")
    except FileNotFoundError as exc:
        raise FileNotFoundError(exc.errno, "manifest not found", str(path)) from None
    expected = f"{path} is not a manifest: expected UTF-8 JSON written by `skfix train`"
    try:
        loaded = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ManifestError(f"{expected}; it is not UTF-8 text ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{expected}; it is not valid JSON ({exc}).") from None
    except RecursionError:
        raise ManifestError(
            f"{expected}; it is nested too deeply to be a manifest skfix wrote."
        ) from None
    if not isinstance(loaded, dict):
        raise ManifestError(
            f"{path} is not a manifest: expected a JSON object written by `skfix "
            f"train`, found {type(loaded).__name__}."
        )
    return loaded


def write_manifest(manifest, path):
    """Validate a manifest against the schema and write it atomically.

    Parameters
    ----------
    manifest : dict
        The run's record.
    path : str or os.PathLike
        Destination, usually ``<out>/manifest.json``.

    Returns
    -------
    path : pathlib.Path

    Raises
    ------
    ManifestError
        If the manifest does not follow the schema; nothing is written then.
    """
    from .._json import to_jsonable, write_converted
    from ._schema import _validate_converted

    # converted once, then checked and written as converted
    converted = to_jsonable(manifest)
    _validate_converted(converted)
    return write_converted(converted, path)
