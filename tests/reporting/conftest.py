"""A realistic manifest of a three-symbol run, shared by the reporting tests.

- ``SP500``: four candidates; ``rf`` rejected for its gap, ``xgb`` and ``mlp`` accepted,
  ``lstm`` failed while fitting; ``xgb`` is selected.
- ``EUR/USD`` (a name that is not a safe file name): trained, nothing beats the
  majority baseline, one candidate has too few test rows; no model deployed.
- ``BTC``: the data could not be read; the symbol failed.
"""

import copy

import pytest

FEATURES = ["return_1", "return_5", "volatility_10", "rsi_14"]
CRITERIA = {
    "max_gap": 0.20,
    "min_test_score": 0.55,
    "max_validation_test_diff": 0.05,
    "gap_weight": 0.5,
    "baseline": "majority",
    "alpha": 0.05,
    "correction": "holm",
    "max_fold_std": 0.10,
    "min_test_rows": 30,
    "beat_naive_rules": True,
    "rank_evidence": "pooled",
}
ESTIMATORS = {
    "rf": "skfix.estimators.RegularizedRandomForestClassifier",
    "xgb": "skfix.estimators.RegularizedXGBClassifier",
    "mlp": "skfix.estimators.MLPClassifier",
    "lstm": "skfix.estimators.LSTMClassifier",
}
FORMATS = {
    "rf": "skops",
    "xgb": "xgboost-json",
    "mlp": "torch-state-dict",
    "lstm": "torch-state-dict",
}


def _criteria(gap, test, diff, std, p_adjusted, n_test, alpha=0.0125):
    def row(name, value, threshold, passed, text):
        return {
            "name": name,
            "value": value,
            "threshold": threshold,
            "passed": passed,
            "explanation": text,
        }

    return [
        row("test_rows", n_test, 30, n_test >= 30, f"the test window has {n_test} rows"),
        row("gap", gap, 0.20, gap <= 0.20, f"train-validation gap {gap:.3f}"),
        row("test_score", test, 0.55, test >= 0.55, f"test accuracy {test:.3f}"),
        row("validation_test_difference", diff, 0.05, diff <= 0.05, f"diff {diff:.3f}"),
        row("fold_std", std, 0.10, std <= 0.10, f"fold std {std:.3f}"),
        row("beats_baseline", p_adjusted, alpha, p_adjusted <= alpha, f"p = {p_adjusted}"),
    ]


def _candidate(name, train, validation, test, *, majority, p_value, n_test=1001, **extra):
    mean_train = sum(train) / len(train)
    mean_validation = sum(validation) / len(validation)
    variance = sum((v - mean_validation) ** 2 for v in validation) / len(validation)
    gap = mean_train - mean_validation
    criteria = _criteria(
        gap, test, abs(mean_validation - test), variance**0.5, p_value, n_test
    )
    failed = [c for c in criteria if not c["passed"]]
    if not criteria[0]["passed"]:
        decision = "insufficient_data"
    else:
        decision = "reject" if failed else "accept"
    candidate = {
        "name": name,
        "naive_rule": False,
        "estimator": ESTIMATORS[name],
        "params": {"random_state": 0},
        "status": "ok",
        "error": None,
        "fold_train_scores": train,
        "fold_validation_scores": validation,
        "mean_train_score": mean_train,
        "mean_validation_score": mean_validation,
        "gap": gap,
        "validation_std": variance**0.5,
        "validation_variance": variance,
        "test_score": test,
        "n_test": n_test,
        "baselines": {"majority": majority, "persistence": 0.51},
        "p_value": p_value,
        "alpha": 0.0125,
        "decision": decision,
        "criteria": criteria,
        "rank_score": test - 0.5 * gap,
        "monitor_events": [],
        "model_file": None,
    }
    candidate.update(extra)
    return candidate


def _model_file(symbol, name, digit):
    return {
        "path": f"models/{symbol}/{name}.skfix.zip",
        "format": FORMATS[name],
        "sha256": digit * 64,
        "estimator": ESTIMATORS[name],
        "signature": {
            "inputs": [{"name": f, "type": "double"} for f in FEATURES],
            "outputs": [{"type": "long"}],
        },
    }


def _failed_candidate(name):
    return {
        "name": name,
        "estimator": ESTIMATORS[name],
        "params": {"lookback": 10},
        "status": "failed",
        "error": {
            "type": "RuntimeError",
            "message": "CUDA out of memory | tried to allocate 2 GiB",
            "traceback": "Traceback (most recent call last):\n  ...\nRuntimeError: CUDA",
        },
        "fold_train_scores": [],
        "fold_validation_scores": [],
        "mean_train_score": None,
        "mean_validation_score": None,
        "gap": None,
        "validation_std": None,
        "validation_variance": None,
        "test_score": None,
        "n_test": None,
        "baselines": None,
        "p_value": None,
        "alpha": None,
        "decision": "failed",
        "criteria": [],
        "rank_score": None,
        "monitor_events": [],
        "model_file": None,
    }


def build_manifest():
    """Return a fresh, valid manifest of a three-symbol run."""
    sp500 = [
        _candidate(
            "rf",
            [0.86, 0.84, 0.85, 0.83, 0.82],
            [0.57, 0.55, 0.58, 0.56, 0.54],
            0.56,
            majority=0.53,
            p_value=0.03,
            model_file=_model_file("SP500", "rf", "a"),
        ),
        _candidate(
            "xgb",
            [0.66, 0.65, 0.67, 0.64, 0.66],
            [0.59, 0.60, 0.58, 0.61, 0.60],
            0.61,
            majority=0.53,
            p_value=0.001,
            model_file=_model_file("SP500", "xgb", "b"),
        ),
        _candidate(
            "mlp",
            [0.62, 0.63, 0.61, 0.62, 0.64],
            [0.57, 0.58, 0.59, 0.57, 0.58],
            0.575,
            majority=0.53,
            p_value=0.004,
            model_file=_model_file("SP500", "mlp", "c"),
            monitor_events=[
                {
                    "kind": "overfitting",
                    "epoch": 12,
                    "values": {"train_score": 0.74, "valid_score": 0.52, "gap": 0.22},
                    "message": "Gap 0.22 > 0.2 at epoch 12.",
                }
            ],
        ),
        _failed_candidate("lstm"),
    ]
    eurusd = [
        _candidate(
            "rf",
            [0.78, 0.77, 0.79, 0.80, 0.76],
            [0.50, 0.52, 0.49, 0.51, 0.50],
            0.51,
            majority=0.52,
            p_value=0.64,
        ),
        _candidate(
            "xgb",
            [0.70, 0.71, 0.69, 0.72, 0.70],
            [0.53, 0.47, 0.62, 0.45, 0.56],
            0.54,
            majority=0.52,
            p_value=0.21,
            n_test=24,
        ),
    ]
    manifest = {
        "schema_version": "1.3",
        "utc_time_created": "2026-11-25T23:59:59Z",
        "skfix_version": "0.1.0",
        "python_version": "3.11.7",
        "library_versions": {
            "scikit-learn": "1.9.1",
            "imbalanced-learn": "0.14.0",
            "xgboost": "3.1.0",
            "torch": None,
            "skorch": None,
            "numpy": "2.4.6",
            "pandas": "3.1.1",
        },
        "run": {
            "data_source": "built-in panel",
            "models": ["rf", "xgb", "mlp", "lstm"],
            "naive_rules": [],
            "seed": 0,
            "horizon": 1,
            "criteria": dict(CRITERIA),
            "split": {
                "scheme": "PurgedWalkForwardSplit",
                "n_splits": 5,
                "gap": 1,
                "embargo": 0,
                "window": "expanding",
                "test_size": 0.2,
            },
            "augmentation": {"noise_std": 0.15, "max_shift": 2, "dropout_rate": 0.1},
            "model_params": {"rf": {"max_depth": 10, "min_samples_leaf": 10}, "xgb": {}},
        },
        "summary": {
            "symbols_total": 3,
            "symbols_trained": 2,
            "symbols_failed": 1,
            "candidates_total": 6,
            "candidates_succeeded": 5,
            "model_success_rate": 5 / 6,
            "average_gap": 0.17,
            "average_test_accuracy": 0.559,
            "deployable_count": 1,
            "deployed_naive_rules": 0,
            "failures": [
                {"symbol": "SP500", "model": "lstm", "type": "RuntimeError"},
                {"symbol": "BTC", "model": None, "type": "FileNotFoundError"},
            ],
        },
        "symbols": {
            "SP500": {
                "status": "trained",
                "error": None,
                "data": {
                    "source": "SP500.csv",
                    "sha256": "0123456789abcdef" * 4,
                    "n_rows": 5010,
                    "start": "1999-02-02",
                    "end": "2018-12-28",
                    "class_balance": {"0": 0.47, "1": 0.53},
                    "n_features": len(FEATURES),
                    "feature_names": list(FEATURES),
                },
                "candidates": sp500,
                "selected": {
                    "name": "xgb",
                    "rank_score": sp500[1]["rank_score"],
                    "reason": "highest rank score among 2 accepted candidates",
                },
                "why_none": None,
            },
            "EUR/USD": {
                "status": "trained",
                "error": None,
                "data": {
                    "source": "EURUSD.csv",
                    "sha256": "fedcba9876543210" * 4,
                    "n_rows": 620,
                    "start": "2016-01-04",
                    "end": "2018-06-29",
                    "class_balance": {"0": 0.48, "1": 0.52},
                    "n_features": len(FEATURES),
                    "feature_names": list(FEATURES),
                },
                "candidates": eurusd,
                "selected": None,
                "why_none": (
                    "no candidate beat the majority baseline significantly "
                    "(best p-value 0.21 > alpha 0.0125)"
                ),
            },
            "BTC": {
                "status": "failed",
                "error": {
                    "type": "FileNotFoundError",
                    "message": "BTC.csv: no such file",
                    # A markdown fence inside the traceback must not break the report.
                    "traceback": (
                        "Traceback (most recent call last):\n```\nFileNotFoundError"
                    ),
                },
                "data": None,
                "candidates": [],
                "selected": None,
                "why_none": "the symbol failed before training: FileNotFoundError",
            },
        },
    }
    return copy.deepcopy(manifest)


@pytest.fixture
def manifest():
    """A fresh copy of the three-symbol manifest, free to modify."""
    return build_manifest()


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """An output folder with the reports and plots of the manifest, written once."""
    from skfix.reporting import write_plots, write_reports

    out_dir = tmp_path_factory.mktemp("run")
    manifest = build_manifest()
    plots = write_plots(manifest, out_dir)
    reports = write_reports(manifest, out_dir)
    return out_dir, reports, plots
