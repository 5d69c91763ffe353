"""Probability of backtest overfitting by combinatorially symmetric cross-validation."""

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ._validation import as_matrix, check_integer

__all__ = ["BacktestOverfitting", "probability_of_backtest_overfitting"]

_METRICS = ("sharpe", "mean")
# Combinations are scored in chunks, so that memory stays near chunk x n_strategies.
_CHUNK_CELLS = 2_000_000


@dataclass(frozen=True, eq=False)
class BacktestOverfitting:
    """The result of :func:`probability_of_backtest_overfitting`.

    Attributes
    ----------
    pbo : float
        Share of the splits in which the in-sample winner ranks at or below the
        out-of-sample median (``logits <= 0``).
    logits : ndarray of shape (n_combinations,)
        For each split, ``log(omega / (1 - omega))`` with ``omega`` the in-sample
        winner's out-of-sample rank divided by ``n_strategies + 1``; positive when the
        winner stays in the better half.
    n_combinations : int
        Number of splits, ``comb(n_blocks, n_blocks // 2)``.
    n_blocks : int
        Number of blocks the periods were cut into.
    n_strategies : int
        Number of candidates compared.
    metric : str
        The performance measure used to rank them.
    """

    pbo: float
    logits: np.ndarray
    n_combinations: int
    n_blocks: int
    n_strategies: int
    metric: str

    def as_dict(self):
        """The result as JSON data (the logits as a list)."""
        return {
            "pbo": self.pbo,
            "logits": self.logits.tolist(),
            "n_combinations": self.n_combinations,
            "n_blocks": self.n_blocks,
            "n_strategies": self.n_strategies,
            "metric": self.metric,
        }


def _score(total, squares, count, metric):
    """Mean or Sharpe ratio (ddof=1) of each strategy from its sums over a set of rows.

    Per-period returns have a mean far smaller than their spread, so ``squares - count
    * mean ** 2`` loses no meaningful precision; and a flat stretch keeps its sums
    exactly zero, so a flat strategy gets a Sharpe ratio of exactly 0, not noise.
    """
    mean = total / count
    if metric == "mean":
        return mean
    variance = np.maximum(squares - count * mean**2, 0.0) / (count - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        sharpe = mean / np.sqrt(variance)
    # No volatility and no mean: a flat strategy, whose Sharpe ratio is taken as 0.
    sharpe[np.isnan(sharpe)] = 0.0
    return sharpe


def probability_of_backtest_overfitting(returns_matrix, *, n_blocks=16, metric="sharpe"):
    """Probability that choosing the best backtest picks an overfit strategy (PBO).

    Combinatorially symmetric cross-validation (CSCV) of Bailey, Borwein, López de
    Prado and Zhu. The ``n_periods`` rows of ``returns_matrix`` (one column per
    candidate strategy or parameter setting, all on the same periods) are cut, in
    time order, into ``n_blocks`` blocks of consecutive rows. Every way of choosing
    half of the blocks gives a split: those blocks are the in-sample set, the others
    the out-of-sample set. In each split the candidate with the best in-sample
    ``metric`` is chosen, as a researcher would, and its out-of-sample rank among the
    ``N`` candidates (1 = worst) gives ``omega = rank / (N + 1)`` and the logit
    ``lambda = log(omega / (1 - omega))``. PBO is the share of splits with ``lambda <=
    0``: the in-sample winner at or below the out-of-sample median. Near 0, the
    selection finds candidates that keep their edge; near 0.5, the ranking is noise
    (picking the best in-sample is no better than picking at random); above 0.5, the
    winners are systematically the ones that fit noise.

    Each split's statistics are sums over its blocks of per-block sums, so all
    ``comb(n_blocks, n_blocks / 2)`` splits (12,870 for 16 blocks) are scored with
    matrix products, in chunks.

    Parameters
    ----------
    returns_matrix : array-like of shape (n_periods, n_strategies)
        Per-period returns of each candidate, oldest first, at least 2 candidates.
    n_blocks : int, default=16
        Number of blocks ``S``: even, at least 2, at most ``n_periods``. It trades
        resolution against noise. More blocks give more splits (``comb(S, S / 2)``)
        and so a finer, smoother estimate, but each block is shorter and every split
        mixes more, shorter stretches of time, which breaks serial dependence and
        regimes apart; the computing cost grows quickly too (24 blocks give 2.7
        million splits). Fewer blocks keep long contiguous stretches but give a coarse
        estimate from few splits (4 blocks: 6 splits, so PBO moves in steps of 1/6).
        The papers use 16. Rows that do not divide evenly are spread over the blocks
        (their sizes differ by at most one row), so every row is used.
    metric : {"sharpe", "mean"}, default="sharpe"
        How candidates are ranked: the Sharpe ratio of their returns (mean over
        standard deviation, ``ddof=1``) or their mean return. A candidate with
        constant zero returns in a set has a Sharpe ratio of 0 there.

    Returns
    -------
    result : BacktestOverfitting
        ``pbo``, the ``logits`` of every split, ``n_combinations``, ``n_blocks``,
        ``n_strategies`` and ``metric``. Ties in-sample go to the first column;
        out-of-sample ties share the average rank.

    See Also
    --------
    deflated_sharpe_ratio : A check of the selection from summary statistics only.

    Notes
    -----
    PBO estimates the probability that the selection *process* overfits, not that a
    given strategy has no edge; with candidates that are all noise it is about 0.5 on
    average (one sample can be well away from it) whatever the best Sharpe ratio
    looks like. The splits reuse the same data,
    so the logits are not independent and PBO has no simple standard error.

    References
    ----------
    D. H. Bailey, J. M. Borwein, M. López de Prado and Q. J. Zhu, "The Probability
    of Backtest Overfitting", *Journal of Computational Finance* 20(4), 39-69, 2017.

    D. H. Bailey, J. M. Borwein, M. López de Prado and Q. J. Zhu, "Pseudo-Mathematics
    and Financial Charlatanism: The Effects of Backtest Overfitting on Out-of-Sample
    Performance", *Notices of the American Mathematical Society* 61(5), 458-471,
    2014.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.economics import probability_of_backtest_overfitting
    >>> rng = np.random.default_rng(0)
    >>> noise = rng.normal(0.0, 0.01, size=(4000, 20))  # 20 strategies, no skill
    >>> result = probability_of_backtest_overfitting(noise)
    >>> result.n_combinations, round(result.pbo, 3)  # 0.5 on average over samples
    (12870, 0.618)
    >>> noise[:, 3] += 0.001  # one strategy earns 0.1 standard deviations per period
    >>> round(probability_of_backtest_overfitting(noise).pbo, 3)
    0.004
    """
    matrix = as_matrix(returns_matrix, "returns_matrix")
    n_periods, n_strategies = matrix.shape
    if n_strategies < 2:
        raise ValueError(
            "returns_matrix must have at least 2 columns (strategies to choose "
            f"among); got {n_strategies}."
        )
    n_blocks = check_integer(n_blocks, "n_blocks", minimum=2)
    if n_blocks % 2:
        raise ValueError(
            f"n_blocks must be even, so that the in-sample and out-of-sample halves "
            f"have as many blocks each; got {n_blocks}."
        )
    if n_blocks > n_periods:
        raise ValueError(
            f"n_blocks must be at most the number of periods (rows of "
            f"returns_matrix), {n_periods}; got {n_blocks}."
        )
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {_METRICS}; got {metric!r}.")
    half = n_blocks // 2
    bounds = np.arange(n_blocks + 1) * n_periods // n_blocks
    sizes = np.diff(bounds).astype(float)
    if metric == "sharpe" and np.sort(sizes)[:half].sum() < 2:
        raise ValueError(
            f"returns_matrix has too few periods ({n_periods}) for {n_blocks} blocks: "
            "each half needs at least 2 periods to estimate a volatility."
        )

    block_sums = np.add.reduceat(matrix, bounds[:-1], axis=0)
    block_squares = np.add.reduceat(matrix**2, bounds[:-1], axis=0)
    total_sum, total_squares = block_sums.sum(axis=0), block_squares.sum(axis=0)

    chosen = np.array(list(combinations(range(n_blocks), half)), dtype=np.intp)
    n_combinations = len(chosen)
    in_sample = np.zeros((n_combinations, n_blocks))
    in_sample[np.arange(n_combinations)[:, None], chosen] = 1.0

    logits = np.empty(n_combinations)
    chunk = max(1, _CHUNK_CELLS // n_strategies)
    for start in range(0, n_combinations, chunk):
        weights = in_sample[start : start + chunk]
        is_sum, is_squares = weights @ block_sums, weights @ block_squares
        is_count = (weights @ sizes)[:, None]
        is_score = _score(is_sum, is_squares, is_count, metric)
        oos_score = _score(
            total_sum - is_sum, total_squares - is_squares, n_periods - is_count, metric
        )
        rows = np.arange(len(weights))
        winner = oos_score[rows, np.argmax(is_score, axis=1)][:, None]
        below = np.sum(oos_score < winner, axis=1)
        tied = np.sum(oos_score == winner, axis=1)  # includes the winner itself
        omega = (below + (tied + 1) / 2) / (n_strategies + 1)
        logits[start : start + chunk] = np.log(omega / (1 - omega))

    return BacktestOverfitting(
        pbo=float(np.mean(logits <= 0)),
        logits=logits,
        n_combinations=n_combinations,
        n_blocks=n_blocks,
        n_strategies=n_strategies,
        metric=metric,
    )
