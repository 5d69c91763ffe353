"""Atomic file writes and file hashing.

Every file skfix writes (saved models, reports, the deployment manifest) goes through
:func:`atomic_write` or :func:`atomic_open`, so that a crash, a full disk or a killed
process in the middle of a write never leaves a half-written file where a complete one
used to be: readers see either the old file or the new one, never a mix.
"""

import contextlib
import functools
import hashlib
import os
import re
import stat
import tempfile
from pathlib import Path

__all__ = ["atomic_open", "atomic_write", "file_stems", "sha256_file"]

# File names that are safe on every platform: no separators, no shell or markdown
# specials, no leading dot (hidden files), nothing Windows reserves.
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,79}\Z")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
# Names of the panel-wide files, which a symbol's files must never overwrite.
_RESERVED_STEMS = frozenset(["summary", "gap_distribution"])


@functools.cache
def _umask():
    # The only portable way to read the umask is to set it and set it back. Doing it
    # once keeps the (tiny) window in which another thread could see umask 0 to a single
    # moment instead of one per written file.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _permissions_for(path):
    # NamedTemporaryFile creates files readable by the owner only; a model or report
    # should instead get the permissions the file already had, or those a plain
    # ``open(path, "w")`` would have given it.
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _fsync_directory(directory):
    # Makes the rename itself durable on POSIX; Windows cannot open a directory, and
    # some file systems refuse to fsync one, which costs durability but not atomicity.
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def atomic_open(path, mode="w", *, encoding="utf-8", newline=None):
    """Open a file for writing so that it appears at `path` complete or not at all.

    The data goes to a temporary file in the same directory as `path`; when the
    ``with`` block ends without an exception, the temporary file is flushed, synced to
    disk and renamed over `path` in one step (:func:`os.replace`). If the block raises,
    the temporary file is removed, `path` is left exactly as it was and the exception
    propagates.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Missing parent directories are created.
    mode : {"w", "wt", "wb"}, default="w"
        Text (``"w"``, ``"wt"``) or binary (``"wb"``) writing. Appending and reading
        modes are refused: an atomic replacement always writes the whole file.
    encoding : str, default="utf-8"
        Text encoding, ignored in binary mode. UTF-8 unless told otherwise, so the
        bytes on disk do not depend on the machine's locale.
    newline : str or None, default=None
        Passed to :func:`open` in text mode (``None`` writes ``os.linesep``).

    Yields
    ------
    file : file object
        The open temporary file.

    Raises
    ------
    ValueError
        If `mode` is not a write mode.

    See Also
    --------
    atomic_write : Write a whole ``bytes`` or ``str`` in one call.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfix._io import atomic_open
    >>> target = Path(tempfile.mkdtemp()) / "report.md"
    >>> with atomic_open(target) as f:
    ...     _ = f.write("# AAPL\\n")
    >>> target.read_text()
    '# AAPL\\n'
    """
    if mode not in ("w", "wt", "wb"):
        raise ValueError(
            f"atomic_open writes whole files: mode must be 'w' or 'wb', not {mode!r}"
        )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    binary = "b" in mode
    tmp = tempfile.NamedTemporaryFile(
        mode=mode,
        dir=path.parent,
        prefix=f".{path.name}.",
        suffix=".tmp",
        delete=False,
        encoding=None if binary else encoding,
        newline=None if binary else newline,
    )
    try:
        with tmp:
            yield tmp
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp.name, _permissions_for(path))
        os.replace(tmp.name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        if exc.filename is None:  # "No space left on device": say where
            raise type(exc)(exc.errno, exc.strerror or str(exc), str(path)) from exc
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise
    _fsync_directory(path.parent)


def non_regular_kind(mode):
    """What a file mode that is not a regular file's is, in words, or None.

    Read before anything is opened: a FIFO would block a reader forever, and a device
    such as ``/dev/zero`` would be read without end.
    """
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a FIFO" if stat.S_ISFIFO(mode) else "a device or socket"


def atomic_write(path, data, *, encoding="utf-8"):
    """Write `data` to `path` atomically: the file is complete or untouched.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file. Missing parent directories are created; an existing file is
        replaced (keeping its permissions) only once the new content is safely on disk.
    data : bytes, bytearray, memoryview or str
        The whole new content. A ``str`` is encoded with `encoding` and written as is,
        without newline translation, so the bytes (and their hash) are the same on every
        platform.
    encoding : str, default="utf-8"
        Encoding of a ``str`` `data`.

    Returns
    -------
    path : pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        If `data` is neither text nor bytes.

    See Also
    --------
    atomic_open : The same guarantee for a file written piece by piece.
    sha256_file : Hash a written file, e.g. to record it in a manifest.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfix._io import atomic_write
    >>> target = Path(tempfile.mkdtemp()) / "models" / "AAPL.txt"
    >>> atomic_write(target, "accepted\\n").read_text()
    'accepted\\n'
    >>> atomic_write(target, b"rejected\\n").read_bytes()
    b'rejected\\n'
    """
    if isinstance(data, str):
        data = data.encode(encoding)
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"atomic_write needs bytes or str, not {type(data).__name__}")
    with atomic_open(path, "wb") as f:
        f.write(data)
    return Path(path)


def sha256_file(path, *, chunk_size=1 << 20):
    """Return the SHA-256 hex digest of a file, read in chunks.

    Parameters
    ----------
    path : str or os.PathLike
        File to hash.
    chunk_size : int, default=1048576
        Bytes read at a time, so large model files never sit in memory whole.

    Returns
    -------
    digest : str
        64 lowercase hexadecimal characters.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skfix._io import atomic_write, sha256_file
    >>> target = atomic_write(Path(tempfile.mkdtemp()) / "empty.bin", b"")
    >>> sha256_file(target)
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def file_stems(symbols):
    """Map each symbol to a file-name stem, unique even on case-insensitive disks.

    A symbol that is already a safe name keeps it (``"SP500"`` → ``"SP500"``); any
    other gets its unsafe characters replaced and a short hash of the real name
    appended (``"EUR/USD"`` → ``"EUR_USD-…"``), so that two symbols never share a file.
    """
    stems = {}
    seen = set()
    for symbol in symbols:
        text = str(symbol)
        stem = text
        if (
            not _SAFE_NAME.match(text)
            or text.split(".")[0].upper() in _WINDOWS_RESERVED
            or text.lower() in _RESERVED_STEMS
            or text.lower() in seen
        ):
            readable = _UNSAFE_CHARS.sub("_", text).strip("._-")[:60] or "symbol"
            digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
            stem = f"{readable}-{digest[:8]}"
            while stem.lower() in seen:
                digest = hashlib.sha256(digest.encode()).hexdigest()
                stem = f"{readable}-{digest[:8]}"
        seen.add(stem.lower())
        stems[symbol] = stem
    return stems
