"""The economics through a whole run: the [economics] table, the manifest, the reports
and the equity plot."""

import pytest

from skfix.datasets import load_market_panel
from skfix.manifest import validate_manifest
from skfix.training import ConfigError, train_panel
from skfix.training._config_file import config_from_dict
from tests.training.conftest import fast_config


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("economics")
    config = fast_config(models=("logistic",), economics={"cost_bps": 10.0})
    manifest = train_panel(
        {"BAA": load_market_panel(["BAA"])["BAA"]}, out_dir=out, config=config
    )
    return manifest, out


def test_the_manifest_records_every_candidates_economics(run):
    manifest, _ = run
    validate_manifest(manifest)
    assert manifest["run"]["economics"] == {
        "cost_bps": 10.0,
        "positions": "long_short",
        "pbo_blocks": 16,
    }
    entry = manifest["symbols"]["BAA"]
    assert entry["economics"]["periods_per_year"] == 12
    assert entry["economics"]["n_trials"] == 3  # logistic (untuned) and the two rules
    for candidate in entry["candidates"]:
        figures = candidate["economics"]
        assert figures["n_periods"] == candidate["n_oos"]
        assert figures["deflated_sharpe"] is not None
    deployed = manifest["summary"]["economics"]["deployed"]
    assert set(deployed) == {"BAA"} and deployed["BAA"]["model"] == "persistence"
    # charged for every configuration of the run, not just the symbol's
    assert deployed["BAA"]["panel_deflated_sharpe"] <= deployed["BAA"]["deflated_sharpe"]


def test_reports_and_the_equity_plot(run):
    _, out = run
    report = (out / "reports" / "BAA.md").read_text()
    assert "## Economics" in report and "| buy and hold |" in report
    assert "Probability of backtest overfitting" in report
    # the hit rate is not the accuracy, and the report says why
    assert "so the hit rate can be below the accuracy" in report
    assert "![Equity of the out-of-sample calls](../plots/BAA_equity.png)" in report
    assert (out / "plots" / "BAA_equity.png").stat().st_size > 10_000
    summary = (out / "reports" / "summary.md").read_text()
    assert (
        "## Economics of the deployed models" in summary
        and "| BAA | persistence |" in summary
    )


@pytest.mark.parametrize(
    "table, message",
    [
        ({"cost_bps": "5"}, r"\[economics\] cost_bps must be a number"),
        ({"positions": "both"}, r"\[economics\] positions must be one of"),
        ({"fees": 1}, r"\[economics\] .*fees"),
    ],
)
def test_a_bad_economics_table_is_refused_naming_the_key(table, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict({"economics": table}, source="run.toml")


def test_the_deflated_sharpe_criterion_from_the_config():
    config = config_from_dict({"criteria": {"min_deflated_sharpe": 0.95, "max_pbo": 0.5}})
    assert config.criteria.min_deflated_sharpe == 0.95
    assert [c.name for c in config.criteria.threshold_checks()][-2:] == [
        "deflated_sharpe",
        "pbo",
    ]
