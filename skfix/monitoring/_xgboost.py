"""The training monitor for XGBoost, as an XGBoost training callback."""

import math

from xgboost.callback import TrainingCallback

from ._events import TrainingMonitor

__all__ = ["XGBoostMonitor"]

_ERROR_METRICS = ("error", "merror")


class XGBoostMonitor(TrainingMonitor, TrainingCallback):
    """Watch XGBoost while it boosts: overfitting, NaN metrics, divergence.

    An :class:`xgboost.callback.TrainingCallback`. Pass it in ``callbacks`` together
    with an ``eval_set`` holding the training data first and the (later-in-time)
    validation data last, and ``eval_metric=["logloss", "error"]``: the gap is
    computed from the ``error`` (or ``merror``) metric as a difference of accuracies,
    divergence from the first other metric (the loss). Without an error metric the
    gap check is skipped; with a single evaluation set only the NaN and
    loss-above-its-best checks run. XGBoost does not expose gradient norms, so no
    ``exploding_gradient`` event comes from this monitor.

    A NaN or infinite metric stops boosting, and after training the model is cut
    back to the last round whose metrics were all finite.

    Parameters
    ----------
    max_gap : float, default=0.2
        Largest tolerated training-minus-validation accuracy.
    patience : int, default=3
        Consecutive rounds a gap or a rising validation loss must last before it is
        recorded.
    divergence_factor : float, default=3.0
        A training loss above its first value and above this multiple of its best
        value is recorded as divergence.
    train_name, valid_name : str or None, default=None
        Names of the training and validation sets in XGBoost's evaluation log
        (``"validation_0"``, ...). ``None`` takes the first and the last.

    Attributes
    ----------
    events_ : list of TrainingEvent
        The events of the last fit, in the order they happened; rounds are 1-based.
    stopped_epoch_ : int or None
        The round at which a non-finite metric stopped boosting, else ``None``.

    See Also
    --------
    SkorchMonitor : The same checks for skorch neural nets.
    ForestMonitor : The overfitting check for random forests.

    Notes
    -----
    XGBoost keeps using the instance it was given (it does not copy callbacks), so
    ``events_`` can be read from the object passed in ``callbacks``; a new fit
    resets it.

    Examples
    --------
    >>> import numpy as np
    >>> from xgboost import XGBClassifier
    >>> from skfix.monitoring import XGBoostMonitor
    >>> rng = np.random.RandomState(0)
    >>> X, y = rng.normal(size=(200, 5)), rng.randint(0, 2, 200)
    >>> monitor = XGBoostMonitor(max_gap=0.2)
    >>> model = XGBClassifier(
    ...     n_estimators=20, max_depth=6, eval_metric=["logloss", "error"],
    ...     callbacks=[monitor],
    ... )
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     model = model.fit(X[:150], y[:150], eval_set=[(X[:150], y[:150]),
    ...                       (X[150:], y[150:])], verbose=False)
    >>> sorted({event.kind for event in monitor.events_})
    ['divergence', 'overfitting']
    """

    def __init__(
        self,
        max_gap=0.2,
        patience=3,
        divergence_factor=3.0,
        train_name=None,
        valid_name=None,
    ):
        self.max_gap = max_gap
        self.patience = patience
        self.divergence_factor = divergence_factor
        self.train_name = train_name
        self.valid_name = valid_name

    max_grad_norm = None

    def before_training(self, model):
        self._reset()
        self._last_finite_round = None
        return model

    def after_iteration(self, model, epoch, evals_log):
        if not evals_log:
            return False
        names = list(evals_log)
        train_log = evals_log[self.train_name or names[0]]
        valid_log = evals_log[self.valid_name or names[-1]] if len(names) > 1 else None
        latest = [
            values[-1] for log in evals_log.values() for values in log.values() if values
        ]
        loss_metric = next((m for m in train_log if m not in _ERROR_METRICS), None)
        error_metric = next((m for m in train_log if m in _ERROR_METRICS), None)

        def last(log, metric):
            if log is None or metric is None or not log.get(metric):
                return None
            return float(log[metric][-1])

        def accuracy(log):
            error = last(log, error_metric)
            return None if error is None else 1.0 - error

        nonfinite = [value for value in latest if not math.isfinite(value)]
        train_loss = last(train_log, loss_metric)
        if nonfinite and (train_loss is None or math.isfinite(train_loss)):
            train_loss = nonfinite[0]
        stop = self._observe(
            epoch + 1,
            train_loss=train_loss,
            valid_loss=last(valid_log, loss_metric),
            train_score=accuracy(train_log),
            valid_score=accuracy(valid_log),
        )
        if not stop:
            self._last_finite_round = epoch
        return stop

    def after_training(self, model):
        if self.stopped_epoch_ is not None and self._last_finite_round is not None:
            return model[: self._last_finite_round + 1]
        return model
