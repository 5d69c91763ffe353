"""Small-sample significance: a paired exact test and multiple-testing corrections."""

import numpy as np
from scipy.stats import binomtest

_CORRECTIONS = ("holm", "bonferroni", "none")


def paired_sign_test(y_true, y_pred, y_baseline):
    """One-sided exact test that a model is right more often than a baseline.

    Only the rows where exactly one of the two is right carry information (the
    discordant pairs of McNemar's test). Under the null hypothesis "the model is no
    better than the baseline" each such row is a win for the model with probability at
    most 1/2, so the p-value is ``P(Binomial(wins + losses, 1/2) >= wins)``. The test is
    exact at any sample size and pairs the two predictors on the same rows, so the
    baseline's accuracy need not be known in advance.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        The model's predictions.
    y_baseline : array-like of shape (n_samples,)
        The baseline's predictions on the same rows.

    Returns
    -------
    wins : int
        Rows the model gets right and the baseline wrong.
    losses : int
        Rows the baseline gets right and the model wrong.
    p_value : float
        One-sided p-value; 1.0 when there is no discordant row (a model that always
        agrees with the baseline has shown nothing).

    Examples
    --------
    >>> from skfix.selection import paired_sign_test
    >>> y_true = [1, 1, 0, 0, 1, 0, 1, 0]
    >>> always_up = [1] * 8
    >>> paired_sign_test(y_true, y_true, always_up)
    (4, 0, 0.0625)
    """
    y_true = np.asarray(y_true)
    right = np.asarray(y_pred) == y_true
    baseline_right = np.asarray(y_baseline) == y_true
    wins = int(np.sum(right & ~baseline_right))
    losses = int(np.sum(~right & baseline_right))
    if wins + losses == 0:
        return wins, losses, 1.0
    result = binomtest(wins, wins + losses, 0.5, alternative="greater")
    return wins, losses, float(result.pvalue)


def adjust_p_values(p_values, method="holm"):
    """Adjust p-values for the number of hypotheses tested together.

    Parameters
    ----------
    p_values : array-like of shape (n_tests,)
        Raw p-values; NaN entries (tests that could not run) are left NaN and not
        counted.
    method : {"holm", "bonferroni", "none"}, default="holm"
        Holm's step-down correction controls the family-wise error rate like Bonferroni
        at every sample size and rejects at least as often; ``"none"`` returns the raw
        values.

    Returns
    -------
    adjusted : ndarray of shape (n_tests,)
        Adjusted p-values, capped at 1; compare them with the unadjusted alpha.

    Examples
    --------
    >>> from skfix.selection import adjust_p_values
    >>> adjust_p_values([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    """
    if method not in _CORRECTIONS:
        raise ValueError(f"method must be one of {_CORRECTIONS}; got {method!r}.")
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full_like(p, np.nan)
    valid = ~np.isnan(p)
    m = int(valid.sum())
    if m == 0:
        return adjusted
    raw = p[valid]
    if method == "none":
        out = raw
    elif method == "bonferroni":
        out = np.minimum(raw * m, 1.0)
    else:
        order = np.argsort(raw, kind="stable")
        stepped = np.maximum.accumulate(raw[order] * (m - np.arange(m)))
        out = np.empty(m)
        out[order] = np.minimum(stepped, 1.0)
    adjusted[valid] = out
    return adjusted
