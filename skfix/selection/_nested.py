"""Tuning nested in the walk-forward, with the earlier folds as the inner folds.

A :class:`GapPenalizedGridSearchCV` evaluated on expanding walk-forward folds would,
in every outer fold, split that fold's training rows again and fit every grid point
on every inner fold. With expanding windows the earlier outer folds already are a
purged walk-forward split of those training rows: outer fold ``i`` can be tuned on
folds ``1 .. i-1`` (their validation rows cut at fold ``i``'s training end), and
every fit that needs is the fit of a grid point on an earlier outer fold. So each
grid point is fitted once per outer fold, ``n_points * n_folds + 1`` fits in all
instead of ``(n_points * n_inner + 1) * (n_folds + 1)``, and the result is exactly a
nested search whose inner folds are the earlier outer folds: no fold is tuned on a row
at or after its own training end. The first fold, with no earlier fold to tune on,
uses the grid's first point, as the search itself does on too few rows.
"""

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid

from ._refit import GapPenalizedGridSearchCV, GapPenalizedRefit
from ._walk_forward import _take, fit_fold


def shares_folds(estimator, folds):
    """Whether ``estimator`` is a gap-penalized search and ``folds`` expand from row 0."""
    if not isinstance(estimator, GapPenalizedGridSearchCV):
        return False
    ends = []
    for train, _ in folds:
        if not train.size or train[0] != 0 or train[-1] != train.size - 1:
            return False
        ends.append(train.size)
    return all(a <= b for a, b in zip(ends, ends[1:], strict=False))


def _try_fit(estimator, X, y, train, val, scorer):
    try:
        return fit_fold(estimator, X, y, train, val, scorer=scorer)
    except Exception as exc:  # a failing grid point only loses that point
        return exc


def nested_search_fits(search, X, y, folds, scorer, *, n_jobs=None):
    """Fit the search's grid on every fold, choosing each fold's point from the past.

    Parameters
    ----------
    search : GapPenalizedGridSearchCV
        Its ``estimator``, ``param_grid``, ``gap_weight`` and ``std_weight`` are used.
    X, y : array-like
        All rows, in time order.
    folds : list of (train, validation)
        Expanding walk-forward folds, the final fold (selection part, test window)
        last.
    scorer : callable
        ``scorer(estimator, X, y)``, for train and validation scores alike.
    n_jobs : int, default=None
        Fits in parallel (joblib).

    Returns
    -------
    fits : list of dict
        Per fold, as :func:`fit_fold` returns them, for the chosen point, with its
        ``params``.

    Raises
    ------
    Exception
        What the chosen point raised in a fold, or a ``ValueError`` when every point
        failed on the folds a choice rests on.
    """
    points = list(ParameterGrid(search.param_grid))
    refit = GapPenalizedRefit(search.gap_weight, search.std_weight)

    def fits_for(i):
        return Parallel(n_jobs=n_jobs)(
            delayed(_try_fit)(
                clone(search.estimator).set_params(**point),
                X,
                y,
                folds[i][0],
                folds[i][1],
                scorer,
            )
            for point in points
        )

    table = []
    chosen = []
    cache = {}
    for i, (train, _) in enumerate(folds):
        last = i == len(folds) - 1
        # Only the chosen point is refitted on the final fold.
        choice = _choose(refit, table, folds, train.size, X, y, scorer, len(points), cache)
        row = [None] * len(points) if last else fits_for(i)
        if last:
            row[choice] = _try_fit(
                clone(search.estimator).set_params(**points[choice]),
                X,
                y,
                folds[i][0],
                folds[i][1],
                scorer,
            )
        table.append(row)
        fit = row[choice]
        if isinstance(fit, Exception):
            raise fit
        chosen.append({**fit, "params": dict(points[choice])})
    return chosen


def _choose(refit, table, folds, train_end, X, y, scorer, n_points, cache):
    """The point the gap-penalized refit picks on the earlier folds, cut at train_end.

    ``cache`` keeps each (fold, point, rows used) validation score, so that a window
    is scored once however many later folds tune on it.
    """
    scores = np.full((len(table), n_points, 2), np.nan)  # (fold, point, train/val)
    for j, row in enumerate(table):
        val = folds[j][1]
        val = val[val < train_end]
        if not val.size:
            continue
        for k, fit in enumerate(row):
            if fit is None or isinstance(fit, Exception):
                continue
            scores[j, k, 0] = fit["train_score"]
            key = (j, k, val.size)
            if key not in cache:
                cache[key] = scorer(fit["estimator"], _take(X, val), y[val])
            scores[j, k, 1] = cache[key]
    # folds cut away entirely carry nothing; a point that failed on a used fold
    # scores NaN there and so overall, as with GridSearchCV's error_score=np.nan
    used = scores[~np.all(np.isnan(scores[:, :, 1]), axis=1)]
    if not len(used):
        return 0
    cv_results = {
        "mean_test_score": used[:, :, 1].mean(axis=0),
        "std_test_score": used[:, :, 1].std(axis=0),
        "mean_train_score": used[:, :, 0].mean(axis=0),
    }
    return refit(cv_results)
