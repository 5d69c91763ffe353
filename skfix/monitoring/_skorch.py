"""The training monitor for skorch neural nets, as a skorch callback."""

import copy
import math

import torch
from skorch.callbacks import Callback

from ._events import TrainingMonitor

__all__ = ["SkorchMonitor"]


def _state_is_finite(module):
    return all(bool(torch.isfinite(t).all()) for t in module.state_dict().values())


class SkorchMonitor(TrainingMonitor, Callback):
    """Watch a skorch net while it trains: overfitting, NaN loss, divergence, gradients.

    A skorch callback. It reads ``train_loss``, ``valid_loss`` and, when present,
    ``train_acc`` and ``valid_acc`` from ``net.history`` at the end of each epoch and
    the gradient norm of every training batch. Every event is kept in ``events_``
    as a :class:`~skfix.monitoring.TrainingEvent` and issued as a
    :class:`~skfix.monitoring.TrainingWarning`.

    A NaN or infinite loss stops training at once: the monitor puts back the last
    weights that were finite at the end of an epoch (or the initial weights) and
    interrupts the fit the way skorch's ``EarlyStopping`` does, so the net stays
    usable and its predictions finite.

    Parameters
    ----------
    max_gap : float, default=0.2
        Largest tolerated training-minus-validation accuracy.
    patience : int, default=3
        Consecutive epochs a gap or a rising validation loss must last before it is
        recorded.
    divergence_factor : float, default=3.0
        A training loss above its first value and above this multiple of its best
        value is recorded as divergence.
    max_grad_norm : float or None, default=100.0
        Largest tolerated L2 norm of all gradients of a batch; ``None`` disables the
        check. Inputs are standardized by the skfix estimators, so healthy norms are
        far below the default.

    Attributes
    ----------
    events_ : list of TrainingEvent
        The events of the last fit, in the order they happened.
    stopped_epoch_ : int or None
        The epoch at which a non-finite loss stopped training, else ``None``.

    See Also
    --------
    XGBoostMonitor : The same checks for XGBoost.
    ForestMonitor : The overfitting check for random forests.

    Examples
    --------
    >>> import numpy as np
    >>> from skorch import NeuralNetClassifier
    >>> from torch import nn
    >>> from skfix.monitoring import SkorchMonitor
    >>> monitor = SkorchMonitor(max_gap=0.2)
    >>> net = NeuralNetClassifier(
    ...     nn.Sequential(nn.Linear(2, 2)), criterion=nn.CrossEntropyLoss,
    ...     max_epochs=2, callbacks=[monitor], verbose=0,
    ... )
    >>> X = np.random.RandomState(0).normal(size=(40, 2)).astype("float32")
    >>> net = net.fit(X, (X[:, 0] > 0).astype("int64"))
    >>> monitor.events_
    []
    """

    def __init__(self, max_gap=0.2, patience=3, divergence_factor=3.0, max_grad_norm=100.0):
        self.max_gap = max_gap
        self.patience = patience
        self.divergence_factor = divergence_factor
        self.max_grad_norm = max_grad_norm

    def _get_param_names(self):
        # skorch's default lists every attribute not ending in "_", private state too.
        return ["divergence_factor", "max_gap", "max_grad_norm", "patience"]

    def initialize(self):
        self._reset()
        self._grad_norm = 0.0
        self._snapshot = None
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.initialize()
        self._snapshot = copy.deepcopy(net.module_.state_dict())

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self._grad_norm = 0.0

    def on_grad_computed(
        self, net, named_parameters, X=None, y=None, training=None, **kwargs
    ):
        grads = [p.grad.detach() for _, p in named_parameters if p.grad is not None]
        if grads:
            norm = float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])))
            if not math.isfinite(norm) or norm > self._grad_norm:
                self._grad_norm = norm

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        loss = kwargs.get("loss")
        if not training or loss is None:
            return
        loss = float(loss.detach()) if hasattr(loss, "detach") else float(loss)
        if not math.isfinite(loss):
            self._observe(len(net.history), train_loss=loss)
            self._stop(net)

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        row = net.history[-1]
        stop = self._observe(
            row["epoch"],
            train_loss=row.get("train_loss"),
            valid_loss=row.get("valid_loss"),
            train_score=row.get("train_acc"),
            valid_score=row.get("valid_acc"),
            grad_norm=self._grad_norm,
        )
        if stop:
            self._stop(net)
        if _state_is_finite(net.module_):
            self._snapshot = copy.deepcopy(net.module_.state_dict())
        else:
            self._observe(row["epoch"], train_loss=math.nan)
            self._stop(net)

    def _stop(self, net):
        net.module_.load_state_dict(self._snapshot)
        raise KeyboardInterrupt

    def __getstate__(self):
        # The snapshot is a copy of the weights the net already holds.
        state = self.__dict__.copy()
        state["_snapshot"] = None
        return state
