"""How a symbol's candidates are traded for their economic figures: costs, positions,
the blocks of the backtest-overfitting estimate."""

from dataclasses import asdict, dataclass

__all__ = ["Economics"]

POSITIONS = ("long_short", "long_flat")


@dataclass(frozen=True)
class Economics:
    """How the out-of-sample calls of a symbol's candidates are turned into returns.

    Each pooled out-of-sample row's prediction, made by a model fitted on earlier rows
    only, becomes a position held over the next period: long on "up", short (or flat,
    with ``positions="long_flat"``) otherwise. Its return is the position times the
    next period's simple return, less ``cost_bps`` basis points per unit of turnover.

    Parameters
    ----------
    cost_bps : float, default=5.0
        Cost per unit of turnover, in basis points: going from short to long (a
        turnover of 2) costs ``2 * cost_bps``. 5 bp is a round trip of a liquid
        future or ETF for a small trader; use more for single stocks or small caps.
    positions : {"long_short", "long_flat"}, default="long_short"
        Short on a "down" call, or out of the market.
    pbo_blocks : int, default=16
        Blocks of the pooled out-of-sample rows for the probability of backtest
        overfitting (combinatorially symmetric cross-validation): an even number of
        at least 2. More blocks give more combinations but shorter, noisier halves;
        the papers use 16. Symbols with fewer pooled rows than ``4 * pbo_blocks`` use
        fewer blocks (recorded).

    Examples
    --------
    >>> from skfix.economics import Economics
    >>> Economics().as_dict()
    {'cost_bps': 5.0, 'positions': 'long_short', 'pbo_blocks': 16}
    """

    cost_bps: float = 5.0
    positions: str = "long_short"
    pbo_blocks: int = 16

    def __post_init__(self):
        cost = self.cost_bps
        if isinstance(cost, bool) or not isinstance(cost, int | float) or not cost >= 0:
            raise ValueError(f"cost_bps must be a number >= 0; got {cost!r}.")
        if self.positions not in POSITIONS:
            raise ValueError(
                f"positions must be one of {POSITIONS}; got {self.positions!r}."
            )
        blocks = self.pbo_blocks
        if (
            isinstance(blocks, bool)
            or not isinstance(blocks, int)
            or blocks < 2
            or blocks % 2
        ):
            raise ValueError(f"pbo_blocks must be an even integer >= 2; got {blocks!r}.")
        object.__setattr__(self, "cost_bps", float(cost))

    def as_dict(self):
        """The settings as JSON data."""
        return asdict(self)
