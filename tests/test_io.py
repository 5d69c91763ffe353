import hashlib
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skfix import _io
from skfix._io import atomic_open, atomic_write, sha256_file


def _leftovers(directory, name):
    return [p.name for p in Path(directory).iterdir() if p.name != name]


def test_atomic_write_text_and_bytes(tmp_path):
    target = tmp_path / "report.md"
    assert atomic_write(target, "é\n") == target
    assert target.read_bytes() == "é\n".encode()
    atomic_write(str(target), b"\x00\xff")
    assert target.read_bytes() == b"\x00\xff"
    atomic_write(target, bytearray(b"ab"))
    assert target.read_bytes() == b"ab"
    assert _leftovers(tmp_path, "report.md") == []


def test_atomic_write_does_not_translate_newlines(tmp_path):
    target = atomic_write(tmp_path / "a.txt", "x\ny\r\n")
    assert target.read_bytes() == b"x\ny\r\n"


def test_atomic_write_encoding(tmp_path):
    target = atomic_write(tmp_path / "a.txt", "é", encoding="latin-1")
    assert target.read_bytes() == b"\xe9"


def test_atomic_write_creates_parent_directories(tmp_path):
    target = tmp_path / "models" / "AAPL" / "rf.bin"
    atomic_write(target, b"model")
    assert target.read_bytes() == b"model"


def test_atomic_write_rejects_other_types(tmp_path):
    with pytest.raises(TypeError, match="bytes or str, not int"):
        atomic_write(tmp_path / "a", 3)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_failed_write_keeps_old_file_and_leaves_no_temp_file(
    tmp_path, monkeypatch, failing
):
    target = tmp_path / "manifest.json"
    target.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    if failing == "write":
        monkeypatch.setattr(_io.tempfile, "NamedTemporaryFile", _failing_writer)
    else:
        monkeypatch.setattr(_io.os, failing, boom)
    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, b"new content")
    assert target.read_bytes() == b"old"
    assert _leftovers(tmp_path, "manifest.json") == []


_REAL_NAMED_TEMPORARY_FILE = tempfile.NamedTemporaryFile


def _failing_writer(*args, **kwargs):
    # A real temporary file whose write fails half-way, like a disk filling up.
    real = _REAL_NAMED_TEMPORARY_FILE(*args, **kwargs)
    original_write = real.file.write

    def write(data):
        original_write(data[: len(data) // 2])
        raise OSError("disk full")

    real.write = write
    return real


def test_atomic_open_text_and_binary(tmp_path):
    with atomic_open(tmp_path / "a.txt") as f:
        f.write("line\n")
    assert (tmp_path / "a.txt").read_text() == "line\n"
    with atomic_open(tmp_path / "b.bin", "wb") as f:
        f.write(b"\x01")
    assert (tmp_path / "b.bin").read_bytes() == b"\x01"


def test_atomic_open_exception_in_block_keeps_old_file(tmp_path):
    target = tmp_path / "a.txt"
    target.write_text("old")
    with pytest.raises(KeyError):
        with atomic_open(target) as f:
            f.write("half")
            raise KeyError("interrupted")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path, "a.txt") == []


def test_atomic_open_nothing_visible_before_the_block_ends(tmp_path):
    target = tmp_path / "a.txt"
    with atomic_open(target) as f:
        f.write("data")
        f.flush()
        assert not target.exists()
    assert target.read_text() == "data"


@pytest.mark.parametrize("mode", ["a", "r", "w+", "ab", "x"])
def test_atomic_open_refuses_non_write_modes(tmp_path, mode):
    with pytest.raises(ValueError, match="whole files"):
        with atomic_open(tmp_path / "a", mode):
            pass  # pragma: no cover


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_kept_or_like_plain_open(tmp_path):
    existing = tmp_path / "existing"
    existing.write_bytes(b"")
    existing.chmod(0o640)
    atomic_write(existing, b"new")
    assert stat.S_IMODE(existing.stat().st_mode) == 0o640

    plain = tmp_path / "plain"
    plain.write_bytes(b"")
    fresh = atomic_write(tmp_path / "fresh", b"")
    assert stat.S_IMODE(fresh.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)


def test_sha256_file_known_digest(tmp_path):
    target = atomic_write(tmp_path / "abc", b"abc")
    assert sha256_file(target) == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


def test_sha256_file_reads_in_chunks(tmp_path):
    data = os.urandom(10_000)
    target = atomic_write(tmp_path / "blob", data)
    assert sha256_file(target, chunk_size=7) == hashlib.sha256(data).hexdigest()


def test_sha256_file_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        sha256_file(tmp_path / "missing")


@settings(max_examples=50, deadline=None)
@given(data=st.binary(max_size=5000) | st.text(max_size=500))
def test_written_content_and_hash_round_trip(data):
    expected = data.encode() if isinstance(data, str) else data
    with tempfile.TemporaryDirectory() as directory:
        target = Path(directory) / "file"
        atomic_write(target, data)
        assert target.read_bytes() == expected
        assert sha256_file(target, chunk_size=64) == hashlib.sha256(expected).hexdigest()
        assert _leftovers(directory, "file") == []
