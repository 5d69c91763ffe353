"""The documentation site builds with ``mkdocs build --strict``: no broken link, no
page missing from the navigation, no docstring mkdocstrings cannot parse."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mkdocs_build_strict(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = completed.stdout + completed.stderr
    assert completed.returncode == 0, log
    assert "WARNING" not in log, log
    for page in ("index.html", "quickstart/index.html", "api/estimators/index.html"):
        assert (tmp_path / page).is_file(), page
    api = (tmp_path / "api" / "estimators" / "index.html").read_text(encoding="utf-8")
    # Rendered from the docstrings, the shared neural-net parameters filled in.
    assert "RegularizedMLPClassifier" in api and "early_stopping" in api
    assert "%(neural_parameters)s" not in api
