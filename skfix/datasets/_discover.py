"""Which files of a folder are price files, and the symbol each one holds."""

from __future__ import annotations

import os
from pathlib import Path

from .._io import non_regular_kind
from ._errors import _error

_SUFFIXES = (".csv.gz", ".csv", ".parquet")


def _files(path, refused=None):
    """The price files of a folder (in name order), or the file itself.

    An entry whose name ends like a price file but that is not a regular file (a
    broken symlink, a symlink loop, a FIFO, a folder named ``X.csv``) or is hidden
    (``.X.csv``) is never opened: with ``refused`` (a dict) it is added there, name to
    error; without it, the first one raises.
    """
    path = Path(os.fspath(path))
    if path.is_dir():
        files = []
        for entry in sorted(path.iterdir()):
            if not _suffix(entry.name):
                continue
            problem = _not_a_price_file(entry)
            if problem is None:
                files.append(entry)
                continue
            error = _error(entry.name, "skipped, never opened", _REGULAR, problem)
            if refused is None:
                raise error
            refused[entry.name] = error
        if not files and not refused:
            found = sorted(entry.name for entry in path.iterdir())
            raise _error(
                f"folder {path.name or path}",
                "no price files",
                "files ending in .csv, .csv.gz or .parquet",
                f"{found[:20]!r}" if found else "an empty folder",
            )
        return files
    if not path.exists():
        if path.is_symlink():
            raise FileNotFoundError(f"The price file '{path}' is a broken symlink.")
        raise FileNotFoundError(f"No such price file or folder: '{path}'.")
    problem = _not_a_price_file(path, hidden_ok=True)
    if problem is not None:
        raise _error(path.name, "never opened", _REGULAR, problem)
    return [path]


_REGULAR = "a regular file of prices"


def _not_a_price_file(entry, hidden_ok=False):
    """Why an entry is not read as a price file, or None."""
    if entry.name.startswith(".") and not hidden_ok:
        return "a hidden file (its name starts with '.')"
    try:
        mode = entry.stat().st_mode  # follows symlinks
    except FileNotFoundError:
        return "a broken symlink (its target does not exist)"
    except OSError as exc:  # ELOOP and the like
        return f"a path that cannot be followed ({exc.strerror or exc})"
    kind = non_regular_kind(mode)
    if kind == "a folder":
        return "a folder, not a file"
    if kind is not None:
        return f"{kind} (a device, socket or pipe is never read)"
    return None


def _suffix(name):
    lower = name.lower()
    return next((suffix for suffix in _SUFFIXES if lower.endswith(suffix)), None)


def price_file_symbol(name):
    """The symbol a price file's name stands for: the name without its ending.

    The endings are those :func:`read_prices` reads (``.csv``, ``.csv.gz``,
    ``.parquet``, in any case); a name without one is returned as it is.

    Parameters
    ----------
    name : str
        A file name, such as an entry of the errors :func:`read_price_files` returns.

    Returns
    -------
    symbol : str

    Examples
    --------
    >>> from skfix.datasets import price_file_symbol
    >>> price_file_symbol("SP500.csv.gz"), price_file_symbol("notes.txt")
    ('SP500', 'notes.txt')
    """
    suffix = _suffix(name)
    return name if suffix is None else name[: -len(suffix)]
