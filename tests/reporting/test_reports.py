import re

import numpy as np
import pytest

from skfix.reporting import write_reports

LINK = re.compile(r"\]\(([^)\s]+)\)")


def _read(run_dir, name):
    out_dir, _, _ = run_dir
    return (out_dir / "reports" / name).read_text(encoding="utf-8")


def _report(run_dir, symbol_prefix):
    _, reports, _ = run_dir
    (path,) = [p for p in reports if p.name.startswith(symbol_prefix)]
    return path.read_text(encoding="utf-8")


def test_one_report_per_symbol_then_the_summary(run_dir):
    out_dir, reports, _ = run_dir
    assert [p.parent for p in reports] == [out_dir / "reports"] * 4
    assert reports[0].name == "SP500.md"
    assert re.fullmatch(r"EUR_USD-[0-9a-f]{8}\.md", reports[1].name)
    assert reports[2].name == "BTC.md"
    assert reports[3].name == "summary.md"
    assert all(p.is_file() for p in reports)


def test_report_has_model_card_sections(run_dir):
    text = _report(run_dir, "SP500")
    headings = re.findall(r"^#+ .*$", text, re.M)
    assert headings == [
        "# SP500: model report",
        "## Data",
        "## Candidates",
        "### Criteria",
        "## Selected model",
        "## Monitor events",
        "## Recommendations",
    ]


def test_data_section_has_the_fingerprint(run_dir):
    text = _report(run_dir, "SP500")
    assert "| Rows used | 5010 |" in text
    assert "1999-02-02 to 2018-12-28" in text
    assert "class 0: 47.0 %, class 1: 53.0 %" in text
    assert "0123456789abcdef" * 4 in text


def test_candidates_table_has_every_criterion(run_dir):
    text = _report(run_dir, "SP500")
    assert "| **rf** | ok | **reject** | 0.840 | 0.560 | 28.0 % |" in text
    assert "| **rf** | gap | 28.0 % | 20.0 % | ✗ fail |" in text
    assert "| **xgb** | beats_baseline | 0.001 | 0.0125 | ✓ pass |" in text
    for name in ("test_rows", "test_score", "validation_test_difference", "fold_std"):
        assert text.count(f"| {name} |") == 3


def test_selected_model_section(run_dir):
    text = _report(run_dir, "SP500")
    assert "model **xgb** selected for deployment" in text
    assert "highest rank score among 2 accepted candidates" in text
    assert "`models/SP500/xgb.skfix.zip`" in text
    assert "b" * 64 in text
    # the columns the saved model reads, by name
    assert (
        "| Inputs | 4 columns: `return_1`, `return_5`, `volatility_10`, `rsi_14` |" in text
    )


def test_one_input_column_is_one_column(manifest, tmp_path):
    entry = manifest["symbols"]["SP500"]
    for candidate in entry["candidates"]:
        if candidate.get("model_file"):
            candidate["model_file"]["signature"]["inputs"] = [{"name": "close"}]
    write_reports(manifest, tmp_path)
    text = (tmp_path / "reports" / "SP500.md").read_text(encoding="utf-8")
    assert "| Inputs | 1 column: `close` |" in text


def test_monitor_events_are_listed(run_dir):
    text = _report(run_dir, "SP500")
    assert "| **mlp** | overfitting | 12 | Gap 0.22 > 0.2 at epoch 12. |" in text


def test_recommendations_in_plain_words(run_dir):
    sp500 = _report(run_dir, "SP500")
    assert "**rf**: gap 28 % (limit 20 %): more data or stronger regularization" in sp500
    assert "min_samples_leaf" in sp500
    assert "**lstm** failed (RuntimeError: CUDA out of memory" in sp500
    assert "early stopping" in sp500
    eurusd = _report(run_dir, "EUR_USD")
    assert (
        "no evidence of signal over 'majority' (always predicting the majority class)"
        in eurusd
    )
    assert "24 rows, fewer than the 30 needed" in eurusd
    assert "collect more history" in eurusd


def test_failed_candidate_is_reported_not_hidden(run_dir):
    text = _report(run_dir, "SP500")
    assert "| **lstm** | failed | **failed** | n/a |" in text
    # The "|" in the error message is escaped, so the table keeps its columns.
    assert "CUDA out of memory \\| tried to allocate 2 GiB" in text


def test_no_model_deployed_says_why(run_dir):
    text = _report(run_dir, "EUR_USD")
    assert "# EUR/USD: model report" in text
    assert "## No model deployed" in text
    assert "best p-value 0.21 > alpha 0.0125" in text
    assert "## Selected model" not in text


def test_failed_symbol_shows_the_error(run_dir):
    text = _report(run_dir, "BTC")
    assert "Status: **failed**" in text
    assert "## Errors" in text
    assert "**FileNotFoundError: BTC.csv: no such file**" in text
    # The traceback's own ``` does not close the code block around it.
    fenced = "````text\nTraceback (most recent call last):\n```\nFileNotFoundError\n````"
    assert fenced in text
    assert "No candidate was trained." in text
    assert "Training failed for this symbol (FileNotFoundError" in text
    assert ".png" not in text


def test_summary_has_the_success_figures(run_dir):
    text = _read(run_dir, "summary.md")
    assert "## Success figures" in text
    assert "| Model success rate | 83.3 % (5 of 6 candidates) |" in text
    assert "| Average train-validation gap | 17.0 % | under 15 % | no |" in text
    assert "| Average test accuracy | 0.559 |" in text
    assert "| Symbols with a deployable model | 1 of 3 | most symbols | no |" in text
    assert "- symbol: SP500, model: lstm, type: RuntimeError" in text
    assert "- symbol: BTC, type: FileNotFoundError" in text


def test_summary_has_the_overfitting_analysis(run_dir):
    text = _read(run_dir, "summary.md")
    assert "## Overfitting analysis" in text
    assert "| Symbol | rf | xgb | mlp | lstm |" in text
    assert "| SP500 | **28.0 %** | 6.0 % | 4.6 % | — |" in text
    assert "| BTC | — | — | — | — |" in text
    assert "| rf | 2 | 27.8 % | 27.8 % | 28.0 % | 0.2 % | 2 of 2 |" in text
    assert "| lstm | 0 | n/a |" in text
    assert "2 of 5 measured gaps are above the 20 % limit." in text


def test_summary_links_every_report(run_dir):
    _, reports, _ = run_dir
    text = _read(run_dir, "summary.md")
    for path in reports[:-1]:
        assert f"]({path.name})" in text


def test_every_relative_link_resolves(run_dir):
    _, reports, _ = run_dir
    for path in reports:
        for target in LINK.findall(path.read_text(encoding="utf-8")):
            assert (path.parent / target).is_file(), f"{path.name} links {target}"


def test_reports_are_reproducible_and_atomic(run_dir, manifest):
    out_dir, reports, _ = run_dir
    before = {p: p.read_bytes() for p in reports}
    assert write_reports(manifest, out_dir) == reports
    assert {p: p.read_bytes() for p in reports} == before
    assert not [p for p in out_dir.rglob("*") if p.name.endswith(".tmp")]


def test_odd_symbol_names_get_distinct_safe_file_names(manifest, tmp_path):
    template = manifest["symbols"]["BTC"]
    odd = ["../etc/passwd", "summary", "AAPL", "aapl", "CON", "A B|C", ".hidden", "é"]
    manifest["symbols"] = {name: dict(template) for name in odd}
    paths = write_reports(manifest, tmp_path)
    assert len({p.name.lower() for p in paths}) == len(odd) + 1
    assert all(p.parent == tmp_path / "reports" for p in paths)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*\.md", p.name) for p in paths)
    assert paths[0].name.startswith("etc_passwd-")
    assert paths[2].name == "AAPL.md"
    assert paths[-1].name == "summary.md"
    assert "# Training summary" in paths[-1].read_text(encoding="utf-8")
    assert "# summary: model report" in paths[1].read_text(encoding="utf-8")


def test_numpy_values_and_missing_numbers_are_handled(manifest, tmp_path):
    candidate = manifest["symbols"]["SP500"]["candidates"][0]
    candidate["gap"] = np.float64("nan")
    candidate["test_score"] = np.float32(0.5)
    candidate["n_test"] = np.int64(1001)
    paths = write_reports(manifest, tmp_path)
    text = paths[0].read_text(encoding="utf-8")
    assert "| **rf** | ok | **reject** | 0.840 | 0.560 | n/a |" in text
    assert "| 0.500 |" in text


@pytest.mark.parametrize("markup", ["**bold**", "`code`", "[link](http://x)", "<b>"])
def test_markdown_in_messages_is_escaped(manifest, tmp_path, markup):
    manifest["symbols"]["EUR/USD"]["why_none"] = f"nothing {markup} here"
    text = write_reports(manifest, tmp_path)[1].read_text(encoding="utf-8")
    assert f"nothing {markup} here" not in text


# What a report advises for each built-in criterion a candidate fails (the criteria
# register their advice in skfix.selection; these are the sentences it gives).
ADVICE = {
    "test_rows": (
        21,
        30,
        "**rf**: the test window has 21 rows, fewer than the 30 needed to tell a model "
        "from luck: collect more history.",
    ),
    "gap": (
        0.283,
        0.2,
        "**rf**: gap 28 % (limit 20 %): more data or stronger regularization (raise "
        "min_samples_leaf / min_samples_split or lower max_depth).",
    ),
    "test_score": (
        0.512,
        0.55,
        "**rf**: test accuracy 51.2 % is below 55 %: the features carry little signal "
        "at this horizon; try other features or another horizon.",
    ),
    "validation_test_difference": (
        0.093,
        0.05,
        "**rf**: validation and test accuracy differ by 9.3 % (allowed 5 %): the market "
        "may have changed between the two windows; a shorter (rolling) training window "
        "or more recent data may help.",
    ),
    "fold_std": (
        0.197,
        0.1,
        "**rf**: validation accuracy varies across folds (std 19.7 %, limit 10 %): "
        "performance is unstable over time; use more data or a simpler model.",
    ),
    "beats_baseline": (
        0.0812,
        0.05,
        "**rf**: no evidence of signal over 'majority' (always predicting the majority "
        "class) (p = 0.0812 > alpha 0.05): do not trade on it.",
    ),
    "panel_fdr": (
        0.106,
        0.05,
        "**rf**: significant on its own symbol, but not once every symbol of the run is "
        "accounted for (p = 0.106 > alpha 0.05): with many symbols some look good by "
        "luck; more history on this symbol would settle it.",
    ),
    "enough_rows": (
        None,
        None,
        "**rf**: criterion enough_rows failed: the series has 12 rows.",
    ),
}


@pytest.mark.parametrize("name", list(ADVICE))
def test_each_failed_criterion_gets_its_advice(manifest, tmp_path, name):
    value, threshold, sentence = ADVICE[name]
    candidate = manifest["symbols"]["SP500"]["candidates"][0]
    assert candidate["name"] == "rf"
    candidate["criteria"] = [
        {
            "name": name,
            "value": value,
            "threshold": threshold,
            "passed": False,
            "explanation": "the series has 12 rows",
        }
    ]
    text = write_reports(manifest, tmp_path)[0].read_text(encoding="utf-8")
    assert f"- {sentence}\n" in text


def test_a_pass_within_sampling_error_says_so(manifest, tmp_path):
    candidate = manifest["symbols"]["SP500"]["candidates"][0]
    candidate["criteria"] = [
        {
            "name": "validation_test_difference",
            "value": 0.06,
            "threshold": 0.05,
            "passed": True,
            "explanation": "validation 0.641 and test 0.581 differ by 0.060, more than "
            "the allowed 0.050, but within the sampling error of 785 validation and 236 "
            "test rows",
        },
        {
            "name": "gap",
            "value": 0.02,
            "threshold": 0.2,
            "passed": True,
            "explanation": "train-validation gap 0.020 is within the maximum 0.200",
        },
    ]
    text = write_reports(manifest, tmp_path)[0].read_text(encoding="utf-8")
    assert "| 6.0 % | 5.0 % | ✓ pass (within sampling error) |" in text
    assert "| 2.0 % | 20.0 % | ✓ pass |" in text


def test_a_run_without_plots_says_so_not_that_nothing_was_scored(manifest, tmp_path):
    write_reports(manifest, tmp_path / "with")
    assert "No plots" not in (tmp_path / "with" / "reports" / "SP500.md").read_text()
    manifest = {**manifest, "run": {**manifest["run"], "plots": False}}
    write_reports(manifest, tmp_path / "without")
    report = (tmp_path / "without" / "reports" / "SP500.md").read_text()
    assert "No plots: the run was made without them (`--no-plots`)." in report
    assert "no candidate produced scores" not in report
