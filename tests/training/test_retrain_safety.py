"""A retrain into the folder a deployment reads from is not an outage, and two runs
never write into one folder at once."""

import json

import pytest

from skfix._io import sha256_file
from skfix.persistence import load_deployment
from skfix.training import ConfigError, train_panel
from skfix.training._panel import _lock
from tests.training.conftest import fast_config


def _snapshot(out):
    return json.loads((out / "manifest.json").read_text())


def test_the_previous_manifest_keeps_loading_while_a_retrain_runs(tmp_path):
    from skfix.datasets import load_market_panel
    from skfix.prediction import predict_panel

    out, prices = tmp_path / "run", tmp_path / "prices"
    prices.mkdir()
    for symbol, frame in load_market_panel(["BAA", "BRENT"]).items():
        frame.to_csv(prices / f"{symbol}.csv")

    def run(seed, progress=None):
        config = fast_config(("logistic", "rf"), seed=seed)
        return train_panel(prices, out_dir=out, config=config, progress=progress)

    first = run(0)
    assert first["symbols"]["BAA"]["selected"] is not None
    loads = []

    def predict_from_the_old_manifest(done, total, symbol, record):
        # mid-run: manifest.json is still the first run's, and every file it names
        # is still the file it hashed
        assert _snapshot(out)["utc_time_created"] == first["utc_time_created"]
        loads.append(sorted(load_deployment(out / "manifest.json")))
        # what a deployment job runs: skfix predict against the manifest it finds
        table, _, failed = predict_panel(out / "manifest.json", prices)
        assert not failed and sorted(set(table["symbol"])) == loads[-1]
        for entry in first["symbols"].values():
            for candidate in entry["candidates"]:
                if candidate.get("model_file"):  # the rf differs by seed: a new file
                    path = out / candidate["model_file"]["path"]
                    assert sha256_file(path) == candidate["model_file"]["sha256"]

    second = run(1, predict_from_the_old_manifest)
    assert len(loads) == 2 and loads[0] == loads[1] == ["BAA"]
    rf = {
        manifest["utc_time_created"]: next(
            c["model_file"]["sha256"]
            for c in manifest["symbols"]["BAA"]["candidates"]
            if c["name"] == "rf"
        )
        for manifest in (first, second)
    }
    assert len(set(rf.values())) == 2  # the checks above had a file to lose
    # the new manifest loads, and so does a copy of the old one (one run longer)
    assert sorted(load_deployment(out / "manifest.json")) == sorted(
        s for s, r in second["symbols"].items() if r["selected"]
    )
    old = tmp_path / "old"
    old.mkdir()
    (old / "manifest.json").write_text(json.dumps(first))
    load_deployment(old / "manifest.json", base_dir=out)
    # a third run drops the files only the first needed; nothing temporary is left
    third = run(2)
    kept = {
        c["model_file"]["path"]
        for manifest in (second, third)
        for r in manifest["symbols"].values()
        for c in r["candidates"]
        if c.get("model_file")
    }
    on_disk = {p.relative_to(out).as_posix() for p in (out / "models").rglob("*.skfix.zip")}
    assert on_disk == kept
    assert not [p for p in out.rglob("*") if "tmp" in p.name.lower()]


def test_a_second_run_into_the_same_folder_is_refused(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    with _lock(out):
        with pytest.raises(ConfigError, match="another `skfix train` is writing into"):
            train_panel(out_dir=out, config=fast_config(("logistic",)), symbols=["BAA"])
    # released when the run ends: the next one goes ahead
    train_panel(out_dir=out, config=fast_config(("logistic",)), symbols=["BAA"])


def test_a_full_disk_is_not_stored_as_a_model_failure(tmp_path, monkeypatch):
    import errno

    from skfix.persistence import _model_file

    out = tmp_path / "run"
    real = _model_file.atomic_write

    def full(path, data, **kwargs):
        if "rf" in str(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(path, data, **kwargs)

    monkeypatch.setattr(_model_file, "atomic_write", full)
    config = fast_config(("logistic", "rf"))
    manifest = train_panel(out_dir=out, config=config, symbols=["BAA"])
    (rf,) = [c for c in manifest["symbols"]["BAA"]["candidates"] if c["name"] == "rf"]
    assert rf["error"]["transient"] and "No space left on device" in rf["error"]["message"]
    assert not (out / ".skfix-state" / "BAA.json").exists()  # not kept for --resume
    # space freed: --resume trains the symbol again instead of repeating the failure
    monkeypatch.setattr(_model_file, "atomic_write", real)
    resumed = train_panel(out_dir=out, config=config, symbols=["BAA"], resume=True)
    (rf,) = [c for c in resumed["symbols"]["BAA"]["candidates"] if c["name"] == "rf"]
    assert rf["status"] == "ok" and rf["model_file"] is not None


def test_an_os_error_while_writing_names_the_file(tmp_path, monkeypatch):
    import errno
    import os

    from skfix._io import atomic_write

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    target = tmp_path / "models" / "BAA" / "rf.skfix.zip"
    with pytest.raises(OSError, match="No space left on device") as info:
        atomic_write(target, b"model")
    assert info.value.filename == str(target)
    assert not list(target.parent.iterdir())  # no temporary file left


def test_a_killed_runs_temporary_files_are_removed(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    stale = out / ".manifest.json.abc123.tmp"
    stale.write_text("{half a manifest")
    train_panel(out_dir=out, config=fast_config(("logistic",)), symbols=["BAA"])
    assert not stale.exists()
    assert not list(out.rglob("*.tmp"))


def test_a_worker_never_writes_into_out_dir(tmp_path):
    """Without --shared-out a worker trains in a folder of its own and sends the files
    back: --out may be a path the worker cannot even create (no shared file system)."""
    from pathlib import Path

    from skfix.datasets import load_market_panel
    from skfix.training._resume import _store, _train_and_store

    prices = load_market_panel(["BAA"])["BAA"]
    nowhere = Path("/proc/skfix-no-such-folder")  # not even root can create it
    config = fast_config(("logistic",))
    symbol, record, files, _ = _train_and_store("BAA", prices, config, nowhere, "BAA", "0")
    assert symbol == "BAA" and not nowhere.exists()
    paths = {c.model_file["path"] for c in record.candidates if c.model_file}
    assert set(files) == paths and all(p.startswith("models/BAA/") for p in paths)
    out = tmp_path / "run"
    _store(out, "BAA", "0", record, files)  # where the run is driven
    assert sorted(
        load_deployment(
            {"schema_version": "1.2", "symbols": {"BAA": record.to_json()}}, out
        )
    )


def test_shared_out_and_sent_files_write_the_same_run(tmp_path):
    config = fast_config(("logistic", "rf"))
    sent = train_panel(out_dir=tmp_path / "sent", config=config, symbols=["BAA", "BRENT"])
    shared = train_panel(
        out_dir=tmp_path / "shared",
        config=config,
        symbols=["BAA", "BRENT"],
        shared_out=True,
    )
    assert {k: v for k, v in sent.items() if k != "utc_time_created"} == {
        k: v for k, v in shared.items() if k != "utc_time_created"
    }
    for name in ("sent", "shared"):
        assert (tmp_path / name / ".skfix-state" / "BAA.json").is_file()
    # the plots too: each worker draws its symbols' (and writes them itself when shared)
    plots = {
        name: {p.name: p.read_bytes() for p in (tmp_path / name / "plots").glob("*.png")}
        for name in ("sent", "shared")
    }
    assert plots["sent"] == plots["shared"] and len(plots["sent"]) == 7
