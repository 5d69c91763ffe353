"""One symbol: its candidates, their evaluation and selection, its manifest entry."""

import contextlib
import dataclasses
import hashlib
import sys
import warnings

import numpy as np
from sklearn.pipeline import Pipeline

from ..manifest import CandidateRecord, SymbolRecord, error_record
from ..selection._panel import select_deployed

MODELS_DIR = "models"


def _error_record(exc):
    # a full disk or a flaky mount is not the model's fault: --resume retries it
    return error_record(exc, transient=True)


def _fingerprint(X, y, cleaning):
    """What identifies the rows a symbol was trained on, and how they were read."""
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(X.index.asi8).tobytes())
    digest.update(np.ascontiguousarray(X.to_numpy(dtype=np.float64)).tobytes())
    digest.update(np.ascontiguousarray(y.to_numpy(dtype=np.int64)).tobytes())
    classes, counts = np.unique(y.to_numpy(), return_counts=True)
    cleaning = cleaning or {}
    return {
        "source": cleaning.get("source") or "a frame given in Python",
        "sha256": digest.hexdigest(),
        "n_rows": int(len(y)),
        "start": X.index[0].date().isoformat(),
        "end": X.index[-1].date().isoformat(),
        "class_balance": {
            str(c): float(n) / len(y) for c, n in zip(classes.tolist(), counts, strict=True)
        },
        "n_features": int(X.shape[1]),
        "feature_names": [str(c) for c in X.columns],
        "cleaning": cleaning,
        "dataset": X.attrs.get("skfix_dataset", {}),
    }


def build_candidates(config, models=None):
    """The candidate models of one symbol, each with its augmenter, each tuned over
    its grid.

    Only ``config.augmented_models`` get the augmenter (all but the logistic
    regression by default), always the same way: as the estimator's ``augmenter``
    parameter, which augments the rows it trains on inside ``fit``
    (:func:`skfix.augment.resample_training_rows`), after XGBoost's and the nets'
    time-ordered early-stopping split, so no validation row is ever copied. A model
    with a grid (``config.grid``) becomes a
    :class:`~skfix.selection.GapPenalizedGridSearchCV` with an inner purged
    walk-forward split of ``config.inner_splits`` folds; the outer folds refit the
    whole search, so tuning never sees a row it is validated on. ``models`` (default:
    all of ``config.models``) restricts the set.
    """
    from ..selection import GapPenalizedGridSearchCV, PurgedWalkForwardSplit

    candidates = {}
    for model in config.models if models is None else models:
        estimator = config.estimator(model)
        augmenter = config.augmenter(model)
        if augmenter is not None:
            # one hand-off for every family: the estimator's own augmenter parameter
            estimator.set_params(augmenter=augmenter)
        grid = config.grid(model)
        if grid:
            estimator = GapPenalizedGridSearchCV(
                estimator,
                {key: list(values) for key, values in grid.items()},
                scoring="accuracy",
                cv=PurgedWalkForwardSplit(config.inner_splits, gap=config.horizon),
            )
        candidates[model] = estimator
    return candidates


def _tuning(grid, evaluation):
    """What the search of a tuned candidate chose, fold by fold."""
    choices = [dict(p) for p in evaluation.fold_params or []]
    return {
        "grid": grid,
        "chosen": choices[-1] if choices else None,
        "fold_choices": choices[:-1],
        # tuned on the walk-forward folds (a search's own tuned_ otherwise)
        "tuned": bool(choices) and bool(getattr(evaluation.estimator, "tuned_", True)),
    }


def _candidate_record(name, config, evaluation, decision, model_file, skipped=None):
    """A candidate's record: who it is and its model file here; its scores and its
    decision from :meth:`CandidateEvaluation.manifest_fields` and
    :meth:`Decision.as_dict`. Timings (``fit_time``) are left out on purpose, so that
    reruns, resumed runs and parallel runs give identical manifests."""
    from ..estimators import NAIVE_RULES

    if name in NAIVE_RULES:
        cls, params = NAIVE_RULES[name], config.rule(name).get_params()
    else:
        cls, params = config.family(name).estimator, config.estimator_params(name)
    record = CandidateRecord(
        name=name,
        estimator=_estimator_path(cls),
        params=params,
        naive_rule=name in NAIVE_RULES,
        alpha=config.criteria.alpha,
        model_file=model_file,
    )
    if skipped is not None:
        record.status, record.decision, record.reason = (
            "skipped",
            "insufficient_data",
            skipped,
        )
        return record
    if decision is not None:
        _set(record, {k: v for k, v in decision.as_dict().items() if k != "name"})
        record.criteria = list(decision.criteria)
    if evaluation is None:
        record.status = "not_evaluated"
        return record
    _set(record, evaluation.manifest_fields())
    grid = config.grid(name)
    if grid:
        record.tuning = _tuning(grid, evaluation)
    if evaluation.failed:
        # A candidate that raised, or whose model could not be saved, is evidence of
        # nothing: it keeps its criteria and reason, not its score or p-values.
        record.decision, record.rank_score = "failed", None
        record.p_value = record.p_value_raw = None
    return record


def _estimator_path(cls):
    """skfix's classes by their public path (``skfix.estimators.X``) where that
    package exports them, any other class by the module that defines it."""
    import importlib

    package = cls.__module__.split("._")[0]
    if package.startswith("skfix."):
        exported = getattr(importlib.import_module(package), cls.__name__, None)
        if exported is cls:
            return f"{package}.{cls.__name__}"
    return f"{cls.__module__}.{cls.__qualname__}"


def _set(record, values):
    for key, value in values.items():
        setattr(record, key, value)


def _is_neural(config, name):
    from ..estimators._neural import BaseNeuralClassifier

    return issubclass(config.family(name).estimator, BaseNeuralClassifier)


@contextlib.contextmanager
def _one_torch_thread(needed=True):
    """Train on one torch thread: the same numbers whatever the parallelism.

    skfix parallelizes over symbols; torch's own threads would compete with them, and
    float sums in a different thread order can change the last bits of a result.
    Where no neural net is tried (``needed`` false) and torch is not loaded yet, torch
    is not imported: its import costs a worker process seconds.
    """
    if not needed and "torch" not in sys.modules:
        yield
        return
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def train_symbol(symbol, prices, config, out_dir, stem, cleaning=None):
    """Train, evaluate and select the models of one symbol, and save their files.

    Never raises for a problem of the symbol's own: a failure is recorded with its
    type, message and traceback in the returned record.

    Parameters
    ----------
    symbol : str
        The symbol.
    prices : pandas.DataFrame
        Its price frame.
    config : TrainConfig
        The run configuration.
    out_dir : pathlib.Path
        The run's output folder; model files go to ``models/<stem>/``.
    stem : str
        The symbol's file-name-safe name.
    cleaning : dict, default=None
        What reading its file did (:meth:`skfix.datasets.CleaningReport.as_dict`),
        recorded with its data; None for a frame that was not read from a file.

    Returns
    -------
    record : SymbolRecord
        The symbol's record (its manifest entry once written).
    """
    from ..features import FeatureInputError, make_dataset
    from ..persistence import save_model
    from ..selection import ModelSelector

    record = SymbolRecord()
    try:
        features = config.feature_step().fit(prices)
        X, y = make_dataset(prices, horizon=config.horizon, features=features)
    except FeatureInputError as exc:
        # a column the [features] table names is missing from this file: its failure
        source = (cleaning or {}).get("source") or f"the frame of {symbol}"
        reasons = (cleaning or {}).get("ignored_reasons") or {}
        left_out = [
            f"{c!r} was left out: {r}" for c, r in reasons.items() if f"{c!r}" in str(exc)
        ]
        if left_out:
            exc = FeatureInputError(f"{exc} (reading the file, {'; '.join(left_out)})")
        record.status = "failed"
        record.error = error_record(FeatureInputError(f"{source}: {exc}"))
        record.why_none = f"the features cannot be computed: {source}: {exc}"
        return record
    except ValueError as exc:
        record.status = "insufficient_data"
        record.error = _error_record(exc)
        record.why_none = f"no usable rows: {exc}"
        return record
    record.data = {
        **_fingerprint(X, y, cleaning),
        **_feature_records(features, prices, cleaning),
    }
    criteria = config.criteria
    if any(f["source"] == "column" for f in features.features_):
        from ..features import check_look_ahead

        leaks = check_look_ahead(
            features,
            X,
            y,
            prices,
            trusted=config.trusted_columns,
            threshold=config.leak_auc,
        )
        record.data["leak_check"] = leaks
        flagged = tuple(
            (column, check["auc"])
            for column, check in leaks.items()
            if check["probable_leak"]
        )
        if flagged:
            from ..selection import NoLookAhead

            criteria = dataclasses.replace(
                criteria, extra=(*criteria.extra, NoLookAhead(columns=flagged))
            )
    if y.nunique() < 2:
        direction = "goes up" if int(y.iloc[0]) == 0 else "is flat or goes down"
        record.status = "insufficient_data"
        record.why_none = (
            f"the series never {direction}: all {len(y)} labelled rows are class "
            f"{int(y.iloc[0])} ({'up' if int(y.iloc[0]) else 'flat or down'}), so "
            "there is nothing to classify; a model needs rows of both classes."
        )
        return record
    tried, skipped = config.models_for(len(y))
    skip_reason = {
        name: (
            f"not tried: {len(y)} labelled rows, fewer than the "
            f"{config.min_rows(name)} this model needs to learn anything "
            "(model_min_rows)."
        )
        for name in skipped
    }
    rules = _rules(config, X, skip_reason)
    names = [*config.models, *config.naive_rules]
    if not tried:
        record.candidates = [
            _candidate_record(
                name,
                config,
                None,
                None,
                None,
                skip_reason.get(name, "not tried: no model was tried on this symbol."),
            )
            for name in names
        ]
        record.status = "insufficient_data"
        record.why_none = "No candidate was tried: " + " ".join(skip_reason.values())
        return record
    try:
        neural = any(_is_neural(config, name) for name in tried)
        with warnings.catch_warnings(), _one_torch_thread(neural):
            # Monitor warnings are recorded on each model and in the manifest.
            from ..monitoring import TrainingWarning

            warnings.simplefilter("ignore", TrainingWarning)
            selector = ModelSelector(
                build_candidates(config, tried),
                naive_rules=rules,
                criteria=criteria,
                cv=config.splitter(),
                test_size=config.test_size,
                gap=config.horizon,
                random_state=config.seed,
                economics=config.economics_settings(),
            ).fit(X, y, returns=_next_returns(prices, X.index))
    except Exception as exc:  # one symbol never stops the others
        record.error = _error_record(exc)
        record.why_none = f"selection failed: {type(exc).__name__}: {exc}"
        return record

    evaluations = {e.name: e for e in selector.evaluations_}
    candidates = []
    for name in names:
        evaluation = evaluations.get(name)
        decision = selector.decisions_.get(name)
        model_file = None
        if evaluation is not None and evaluation.estimator is not None:
            try:
                trusted = (
                    ()
                    if name in config.naive_rules
                    else config.family(name).trusted_types()
                )
                model_file = save_model(
                    Pipeline(
                        [("features", features), ("model", evaluation.final_estimator)]
                    ),
                    out_dir / MODELS_DIR / stem,
                    name,
                    relative_to=out_dir,
                    content_addressed=True,
                    trusted=trusted,
                )
            except Exception as exc:  # an unsaveable model is a failed candidate
                evaluation.error = _error_record(exc)
        candidates.append(
            _candidate_record(
                name, config, evaluation, decision, model_file, skip_reason.get(name)
            )
        )
    record.candidates = candidates
    record.evidence = dict(selector.evidence_)
    if selector.economics_ is not None:
        record.economics = selector.economics_
    # the baseline rule itself is never judged, so it does not make a symbol judged
    judged = [c for c in candidates if not c.is_baseline]
    all_insufficient = all(c.decision == "insufficient_data" for c in judged)
    record.status = "insufficient_data" if all_insufficient else "trained"
    select_deployed(record, selector.why_ if selector.best_name_ else None, selector.why_)
    if record.selected is None and criteria is not config.criteria:
        flagged = ", ".join(
            f"{c!r}"
            for c, check in record.data["leak_check"].items()
            if check["probable_leak"]
        )
        record.why_none = (
            f"Probable look-ahead in the column(s) {flagged}: no model that reads them "
            f"is deployed. {record.why_none or ''}"
        ).strip()
    return record


def _next_returns(prices, index):
    """The simple return of the period after each row, ``close[t + 1] / close[t] - 1``:
    what a position taken on row ``t``'s call earns (for a label several rows ahead,
    the first period of it)."""
    close = prices["close"]
    return (close.shift(-1) / close - 1.0).reindex(index).to_numpy()


def _feature_records(features, prices, cleaning):
    """What went in: each feature with its source, window and lag, the input columns
    the saved pipeline requires, and every column left out, with the reason."""
    from ..features._validation import _PRICE_COLUMNS

    cleaning = cleaning or {}
    ignored = dict(cleaning.get("ignored_reasons") or {})
    for column in cleaning.get("columns_ignored") or []:
        ignored.setdefault(column, "not read from the file")
    for column in map(str, prices.columns):
        if column in features.required_columns_:
            continue
        ignored[column] = (
            "a price column the chosen built-in features do not read"
            if column in _PRICE_COLUMNS
            else "a user column the [features] columns do not name"
        )
    return {
        "features": [dict(f) for f in features.features_],
        "required_columns": list(features.required_columns_),
        "ignored_columns": ignored,
    }


def _rules(config, X, skip_reason):
    """The naive rules that compete on this symbol; a rule whose input is missing
    gets a skip reason instead."""
    rules = []
    for name in config.naive_rules:
        rule = config.rule(name)
        feature = getattr(rule, "feature", None)
        if feature is not None and feature not in X.columns:
            skip_reason[name] = (
                f"not tried: the persistence rule reads the last {config.horizon}-row "
                f"return ({feature}), which the features do not hold; the persistence "
                "baseline is still scored on every candidate's rows."
            )
            continue
        rules.append((name, rule))
    return rules
