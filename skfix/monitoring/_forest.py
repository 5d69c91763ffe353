"""The post-fit overfitting check for random forests (out-of-bag vs training score)."""

from sklearn.utils.validation import check_is_fitted

from ._events import TrainingMonitor

__all__ = ["ForestMonitor", "check_forest_overfitting"]


class ForestMonitor(TrainingMonitor):
    """Compare a fitted forest's training accuracy with its out-of-bag accuracy.

    A forest trains in one step, so its monitor runs after ``fit``: the out-of-bag
    score is an honest validation score computed on the rows each tree did not see.
    A training score more than ``max_gap`` above it is recorded as an
    ``"overfitting"`` :class:`~skfix.monitoring.TrainingEvent` (epoch ``None``) and
    issued as a :class:`~skfix.monitoring.TrainingWarning`.

    Parameters
    ----------
    max_gap : float, default=0.2
        Largest tolerated training-minus-out-of-bag accuracy.

    Attributes
    ----------
    events_ : list of TrainingEvent
        The events of the last :meth:`check`.

    See Also
    --------
    check_forest_overfitting : The same check as a function.
    SkorchMonitor, XGBoostMonitor : Monitors that run during training.

    Notes
    -----
    Out-of-bag rows are drawn at random, not after the training rows in time, so
    on time series the out-of-bag score is optimistic; a gap flagged here is
    therefore a lower bound of the real one.
    """

    def __init__(self, max_gap=0.2):
        self.max_gap = max_gap

    def check(self, forest, X, y):
        """Record an overfitting event when the forest's gap is above ``max_gap``.

        Parameters
        ----------
        forest : fitted forest classifier
            Fitted with ``bootstrap=True`` and ``oob_score=True``.
        X : array-like of shape (n_samples, n_features)
            The data the forest was trained on.
        y : array-like of shape (n_samples,)
            Its labels.

        Returns
        -------
        events : list of TrainingEvent
            The recorded events (empty when the gap is within ``max_gap``).
        """
        check_is_fitted(forest)
        if not hasattr(forest, "oob_score_"):
            raise ValueError(
                "The forest has no oob_score_: fit it with bootstrap=True and "
                "oob_score=True to compare training and out-of-bag accuracy."
            )
        self._reset()
        train_score, oob_score = float(forest.score(X, y)), float(forest.oob_score_)
        gap = train_score - oob_score
        if gap > self.max_gap:
            self._record(
                "overfitting",
                None,
                {
                    "train_score": train_score,
                    "valid_score": oob_score,
                    "gap": gap,
                    "max_gap": self.max_gap,
                },
                f"{type(forest).__name__}: training accuracy {train_score:.3f} is "
                f"{gap:.3f} above its out-of-bag accuracy {oob_score:.3f} "
                f"(max_gap={self.max_gap}).",
            )
        return list(self.events_)


def check_forest_overfitting(forest, X, y, *, max_gap=0.2):
    """Compare a fitted forest's training accuracy with its out-of-bag accuracy.

    Parameters
    ----------
    forest : fitted forest classifier
        Fitted with ``bootstrap=True`` and ``oob_score=True``.
    X : array-like of shape (n_samples, n_features)
        The data the forest was trained on.
    y : array-like of shape (n_samples,)
        Its labels.
    max_gap : float, default=0.2
        Largest tolerated training-minus-out-of-bag accuracy.

    Returns
    -------
    events : list of TrainingEvent
        An ``"overfitting"`` event when the gap is above ``max_gap``, else empty;
        each event is also issued as a :class:`~skfix.monitoring.TrainingWarning`.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skfix.monitoring import check_forest_overfitting
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(100, 4)), rng.randint(0, 2, 100)
    >>> forest = RandomForestClassifier(n_estimators=20, oob_score=True, random_state=0)
    >>> forest = forest.fit(X, y)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     events = check_forest_overfitting(forest, X, y)
    >>> events[0].kind, events[0].values["gap"] > 0.2
    ('overfitting', True)
    """
    return ForestMonitor(max_gap=max_gap).check(forest, X, y)
