"""Finished symbols stored atomically with the configuration's fingerprint, so that an
interrupted run resumes where it stopped (``--resume``)."""

import hashlib
import json

from .._io import sha256_file
from .._json import dump_json, to_jsonable
from ._symbol import train_symbol

STATE_DIR = ".skfix-state"


def _state_path(out_dir, stem):
    return out_dir / STATE_DIR / f"{stem}.json"


def _config_fingerprint(config):
    text = json.dumps(to_jsonable(config.as_dict()), sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _train_and_store(symbol, prices, config, out_dir, stem, config_hash):
    """Train one symbol and store its record atomically (the unit of --resume).

    Everything inside runs sequentially in the worker that runs the symbol: without
    this, a forest's own ``Parallel`` would inherit the run's backend, and on Dask
    ship its trees to the cluster one task each (a symbol is the unit of work).
    """
    from joblib import parallel_config

    with parallel_config(backend="sequential"):
        record = train_symbol(symbol, prices, config, out_dir, stem)
    if not _transient(record):
        # a failure of the disk, not of the model, is not kept: --resume retries it
        dump_json(
            {"config_sha256": config_hash, "record": record}, _state_path(out_dir, stem)
        )
    return symbol, record


def _transient(record):
    errors = [record.get("error")] + [c.get("error") for c in record.get("candidates", [])]
    return any(isinstance(e, dict) and e.get("transient") for e in errors)


def _resumable(out_dir, stem, config_hash):
    """The stored record of a symbol finished by an earlier run, if still valid."""
    path = _state_path(out_dir, stem)
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("config_sha256") != config_hash:
        return None
    record = state["record"]
    for candidate in record.get("candidates", []):
        model_file = candidate.get("model_file")
        if model_file is None:
            continue
        file = out_dir / model_file["path"]
        if not file.is_file() or sha256_file(file) != model_file["sha256"]:
            return None
    return record
