"""Every script in examples/ runs with --fast and leaves what it promises."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run_example(name, tmp_path, *args):
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name), "--fast", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return completed.stdout


def test_every_example_has_a_docstring_and_a_test():
    tested = {
        "grid_search_gap_aware.py",
        "one_symbol_end_to_end.py",
        "bring_your_own_csv.py",
    }
    scripts = {path.name for path in EXAMPLES.glob("*.py")}
    assert scripts == tested
    for name in scripts:
        source = (EXAMPLES / name).read_text(encoding="utf-8")
        assert source.startswith('"""') and "How to run" in source and "--fast" in source


def test_grid_search_gap_aware(tmp_path):
    out = run_example("grid_search_gap_aware.py", tmp_path)
    assert "Grid search over 9 parameter sets" in out
    assert "plain best (refit=True)" in out and "gap-aware choice" in out
    assert "Held-out test accuracy of the chosen model" in out


@pytest.mark.slow
def test_one_symbol_end_to_end(tmp_path):
    out = run_example("one_symbol_end_to_end.py", tmp_path, "--models", "rf", "xgb")
    run = tmp_path / "example-run"
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["symbols"]) == ["BRENT"]
    assert manifest["summary"]["failures"] == []
    for path in ("reports/summary.md", "reports/BRENT.md", "plots/BRENT_scores.png"):
        assert (run / path).is_file()
        assert str(Path("example-run", path)) in out
    if manifest["symbols"]["BRENT"]["selected"] is None:
        assert "No model deployed for BRENT" in out
    else:
        assert "Latest rows" in out


@pytest.mark.slow
def test_bring_your_own_csv(tmp_path):
    out = run_example("bring_your_own_csv.py", tmp_path)
    assert "$ skfix train my-prices --out my-run" in out
    assert "%b %d %Y, 'Price'" in out and "%Y%m%d, 'Adj Close'" in out
    manifest = json.loads((tmp_path / "my-run" / "manifest.json").read_text())
    assert sorted(manifest["symbols"]) == ["AAPL", "ACME", "BRENT", "VIX"]
    # The made-up series that turns back after 95 % of its moves is the one deployed.
    assert manifest["symbols"]["ACME"]["selected"]["name"] == "rf"
    predictions = pd.read_csv(tmp_path / "predictions.csv")
    deployed = {s for s, record in manifest["symbols"].items() if record["selected"]}
    assert set(predictions["symbol"]) == deployed
    assert {"date", "model", "prediction", "proba_0", "proba_1"} <= set(predictions.columns)
