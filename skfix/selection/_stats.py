"""Small-sample significance: a paired exact test, corrections, and how much data."""

import math

import numpy as np
from scipy.stats import binomtest, false_discovery_control, norm
from sklearn.utils import check_random_state

# Corrections of one symbol's candidates (family-wise error) and of a panel's symbols
# (false discovery rate). "maxt" needs the per-row differences, not only p-values.
_CORRECTIONS = ("maxt", "holm", "bonferroni", "none")
_P_VALUE_METHODS = ("holm", "bonferroni", "bh", "bky", "by", "none")
_PANEL_CORRECTIONS = ("bky", "bh", "by", "none")
# Resamples are drawn in blocks, so that memory stays at block x rows.
_BLOCK = 1000


def _two_stage_bh(p, alpha):
    """Adjusted p-values of the two-stage adaptive step-up (BKY 2006) at ``alpha``.

    Stage one is BH at ``q = alpha / (1 + alpha)``; with ``r`` rejections, ``m0 = m -
    r`` estimates the true nulls, and stage two is BH at ``q * m / m0``. A hypothesis
    is rejected at stage two exactly when its BH-adjusted p-value times ``(1 + alpha)
    * m0 / m`` is at most ``alpha``; that product (capped at 1) is returned. When stage
    one rejects nothing, ``m0 = m`` and nothing reaches ``alpha``; when it rejects
    everything, ``m0`` is taken as 1 and everything does, as the procedure says.
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1); got {alpha!r}.")
    m = len(p)
    bh = false_discovery_control(p, method="bh")
    rejected = int(np.sum(bh <= alpha / (1 + alpha)))
    m0 = max(m - rejected, 1)
    return np.minimum(bh * (1 + alpha) * m0 / m, 1.0)


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


def adjust_p_values(p_values, method="holm", *, alpha=0.05):
    """Adjust p-values for the number of hypotheses tested together.

    Parameters
    ----------
    p_values : array-like of shape (n_tests,)
        Raw p-values; NaN entries (tests that could not run) are left NaN and not
        counted.
    method : {"holm", "bonferroni", "bh", "bky", "by", "none"}, default="holm"
        Holm's step-down correction controls the family-wise error rate like Bonferroni
        at every sample size and rejects at least as often. ``"bh"``
        (Benjamini-Hochberg) and ``"by"`` (Benjamini-Yekutieli, valid under any
        dependence) control the false discovery rate instead, through
        :func:`scipy.stats.false_discovery_control`: the expected share of false
        discoveries among the hypotheses rejected. ``"bky"`` is the adaptive two-stage
        step-up of Benjamini, Krieger and Yekutieli (2006): BH at ``alpha / (1 +
        alpha)`` estimates how many hypotheses are true nulls (``m0``, those it does
        not reject), and BH is run again at ``alpha / (1 + alpha) * m / m0``. Where
        many hypotheses are false (many symbols carry a signal) it rejects more than
        BH; where all are true it rejects anything only when BH at ``alpha / (1 +
        alpha)`` does, so no more often than BH at ``alpha``. ``"none"`` returns the
        raw values.
    alpha : float, default=0.05
        The level the adjusted values are compared with; used by ``"bky"`` only, whose
        estimate of ``m0`` depends on it.

    Returns
    -------
    adjusted : ndarray of shape (n_tests,)
        Adjusted p-values, capped at 1; compare them with the unadjusted alpha (for
        ``"bky"``, with the ``alpha`` given: a value is at most ``alpha`` exactly when
        the two-stage procedure at ``alpha`` rejects its hypothesis).

    Examples
    --------
    >>> from skfix.selection import adjust_p_values
    >>> adjust_p_values([0.01, 0.04, 0.03]).tolist()
    [0.03, 0.06, 0.06]
    >>> adjust_p_values([0.01, 0.04, 0.03], method="bh").round(3).tolist()
    [0.03, 0.04, 0.04]
    >>> p = [0.001, 0.002, 0.004, 0.01, 0.03, 0.06, 0.5, 0.9]
    >>> (adjust_p_values(p, method="bh") <= 0.05).sum()  # BH rejects five
    np.int64(5)
    >>> (adjust_p_values(p, method="bky") <= 0.05).sum()  # m0 estimated at 4: six
    np.int64(6)

    References
    ----------
    Y. Benjamini, A. M. Krieger and D. Yekutieli, "Adaptive linear step-up procedures
    that control the false discovery rate", *Biometrika* 93(3), 491-507, 2006.
    """
    if method not in _P_VALUE_METHODS:
        raise ValueError(f"method must be one of {_P_VALUE_METHODS}; got {method!r}.")
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
    elif method in ("bh", "by"):
        out = false_discovery_control(raw, method=method)
    elif method == "bky":
        out = _two_stage_bh(raw, alpha)
    else:
        order = np.argsort(raw, kind="stable")
        stepped = np.maximum.accumulate(raw[order] * (m - np.arange(m)))
        out = np.empty(m)
        out[order] = np.minimum(stepped, 1.0)
    adjusted[valid] = out
    return adjusted


def maxt_adjusted_p_values(differences, *, n_resamples=9999, random_state=None):
    """Step-down max-T p-values of several models against one baseline, by sign flips.

    ``differences[t, k]`` is +1 where model ``k`` is right and the baseline wrong on
    row ``t``, -1 for the reverse and 0 where both agree. Each model's statistic is
    its paired sign statistic ``sum_t d[t, k] / sqrt(sum_t d[t, k] ** 2)``. Under the
    null hypothesis that no model beats the baseline, flipping the sign of a whole
    row ``d[t, :]`` at random leaves the joint distribution unchanged: with two
    classes and one baseline, ``d[t, k]`` is ``s[t]`` for every model that disagrees
    with the baseline on row ``t``, where ``s[t] = +1`` if the baseline is wrong, so a
    flip is a coin toss of the row's outcome. The adjusted p-value of the best model
    is the share of flips whose *largest* statistic reaches its own; the others
    follow by Westfall and Young's step-down. Because the models' statistics are
    compared jointly, correlated models (several learners finding the same signal)
    cost much less than Holm's correction charges for independent ones, while the
    family-wise error rate is still controlled.

    Parameters
    ----------
    differences : array-like of shape (n_rows, n_models)
        Per-row win (+1), loss (-1) or tie (0) of each model against the baseline.
    n_resamples : int, default=9999
        Random sign flips; the Monte Carlo error of a p-value near 0.01 is about
        0.001 at the default.
    random_state : int, RandomState instance or None, default=None
        Seed of the flips, for reproducible p-values.

    Returns
    -------
    p_values : ndarray of shape (n_models,)
        Adjusted one-sided p-values, ``(1 + exceedances) / (1 + n_resamples)``; 1.0 for
        a model that never disagrees with the baseline.

    See Also
    --------
    paired_sign_test : The exact test of one model.
    adjust_p_values : Corrections that need only the p-values.

    References
    ----------
    P. H. Westfall and S. S. Young, *Resampling-Based Multiple Testing*, Wiley, 1993.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.selection import maxt_adjusted_p_values
    >>> rng = np.random.default_rng(0)
    >>> wins = np.where(rng.random(400) < 0.6, 1, -1)  # wins 60 % of 400 rows
    >>> d = np.column_stack([wins, wins, rng.choice([-1, 1], 400)])  # twice, and noise
    >>> p = maxt_adjusted_p_values(d, random_state=0)
    >>> p.round(3).tolist()  # exact raw p 0.007; Holm would charge 3 tests: 0.021
    [0.015, 0.015, 0.327]
    """
    d = np.asarray(differences, dtype=float)
    if d.ndim != 2:
        raise ValueError(
            f"differences must be 2-D (n_rows, n_models); got shape {d.shape}."
        )
    if not np.all(np.isin(d, (-1.0, 0.0, 1.0))):
        raise ValueError("differences must hold only -1, 0 and +1 (loss, tie, win).")
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be >= 1; got {n_resamples!r}.")
    n_models = d.shape[1]
    p_values = np.ones(n_models)
    scale = np.sqrt(np.sum(d**2, axis=0))
    informative = scale > 0
    if not informative.any():
        return p_values
    # Only rows where some model disagrees with the baseline carry information.
    d = d[np.any(d != 0, axis=1)][:, informative] / scale[informative]
    observed = d.sum(axis=0)
    order = np.argsort(-observed, kind="stable")
    d, observed = d[:, order], observed[order]
    rng = check_random_state(random_state)
    exceed = np.zeros(len(observed))
    done = 0
    while done < n_resamples:
        block = min(_BLOCK, n_resamples - done)
        signs = rng.randint(0, 2, size=(block, d.shape[0])) * 2.0 - 1.0
        flipped = signs @ d
        # maxima over the models ranked j and below, for every step j of the step-down
        tail_max = np.maximum.accumulate(flipped[:, ::-1], axis=1)[:, ::-1]
        exceed += np.sum(tail_max >= observed - 1e-9, axis=0)
        done += block
    adjusted = np.maximum.accumulate((1.0 + exceed) / (1.0 + n_resamples))
    ranked = np.empty(len(observed))
    ranked[order] = np.minimum(adjusted, 1.0)
    p_values[informative] = ranked
    return p_values


def minimum_detectable_edge(n_rows, *, alpha=0.05, power=0.8, discordance=0.5):
    """The smallest accuracy edge over a baseline that ``n_rows`` can reveal.

    For the paired sign test (:func:`paired_sign_test`) on ``n_rows`` out-of-sample
    rows, of which a share ``discordance`` have model and baseline disagreeing, an
    edge ``e = accuracy(model) - accuracy(baseline)`` gives the standardized
    statistic ``e * sqrt(n_rows / discordance)``. The edge found with probability
    ``power`` by a one-sided test at level ``alpha`` is therefore
    ``(z(1 - alpha) + z(power)) * sqrt(discordance / n_rows)`` (normal approximation).

    Parameters
    ----------
    n_rows : int
        Out-of-sample rows the test runs on.
    alpha : float, default=0.05
        Level of the one-sided test.
    power : float, default=0.8
        Probability of finding the edge.
    discordance : float, default=0.5
        Share of rows where model and baseline disagree; 0.5 is typical of a model
        compared with a constant prediction on a balanced series.

    Returns
    -------
    edge : float
        In accuracy points (``inf`` for no rows).

    See Also
    --------
    rows_needed : The inverse: rows for a given edge.

    Examples
    --------
    >>> from skfix.selection import minimum_detectable_edge
    >>> round(minimum_detectable_edge(500), 3)
    0.079
    """
    if n_rows <= 0:
        return math.inf
    z = norm.ppf(1 - alpha) + norm.ppf(power)
    return float(z * math.sqrt(discordance / n_rows))


def rows_needed(edge, *, alpha=0.05, power=0.8, discordance=0.5):
    """Out-of-sample rows needed to find an accuracy edge over a baseline.

    The inverse of :func:`minimum_detectable_edge`.

    Parameters
    ----------
    edge : float
        Accuracy edge over the baseline, in (0, 1).
    alpha, power, discordance : float
        As in :func:`minimum_detectable_edge`.

    Returns
    -------
    n_rows : int

    Examples
    --------
    >>> from skfix.selection import rows_needed
    >>> rows_needed(0.05)
    1237
    """
    if not 0 < edge < 1:
        raise ValueError(f"edge must be in (0, 1); got {edge!r}.")
    z = norm.ppf(1 - alpha) + norm.ppf(power)
    return int(math.ceil(discordance * (z / edge) ** 2))
