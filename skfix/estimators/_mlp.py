"""Feed-forward neural-net classifier with regularized defaults."""

from numbers import Integral

from ._neural import BaseNeuralClassifier, check_net_kwargs
from ._neural_docs import inject_docs

__all__ = ["MLP_PRESETS", "RegularizedMLPClassifier"]

# "legacy" holds the values of the original training run, for before/after comparisons.
MLP_PRESETS = {
    "skfix": {"hidden_layer_sizes": (256, 128, 64), "dropout": 0.4, "weight_decay": 1e-3},
    "legacy": {
        "hidden_layer_sizes": (512, 256, 128, 64),
        "dropout": 0.3,
        "weight_decay": 1e-4,
    },
}


@inject_docs
class RegularizedMLPClassifier(BaseNeuralClassifier):
    """Feed-forward neural net (skorch/torch) with dropout, weight decay, early stopping.

    Each hidden layer is ``Linear -> ReLU -> Dropout``; the output layer gives one
    logit per class, trained with cross-entropy. The input width and the classes are
    learned in ``fit``. Every event of training (overfitting, NaN loss, divergence,
    exploding gradients) is kept in ``training_warnings_``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(256, 128, 64)
        Width of each hidden layer; ``()`` gives multinomial logistic regression.

    dropout : float, default=0.4
        Dropout rate after each hidden layer.

    %(neural_parameters)s

    Attributes
    ----------
    %(neural_attributes)s

    See Also
    --------
    RegularizedLSTMClassifier : The recurrent counterpart, looking back on past rows.
    skfix.monitoring.SkorchMonitor : The monitor that watches training.
    MLP_PRESETS : The skfix defaults and the legacy values, by name.

    Notes
    -----
    **Early stopping never leaks.** The rows are split by position: the first rows
    train, then ``validation_gap`` rows are dropped, and the last
    ``validation_fraction`` validate. The default gap is one row because a label
    "up next period" at row ``t`` uses the price at ``t + 1``; without it the last
    training label would look into the validation period.

    **Augmentation.** Prefer the ``augmenter`` parameter: it augments the training
    part only and validates on real rows. As the first step of an imbalanced-learn
    pipeline, skfix's ``TimeSeriesAugmenter`` also never puts a copy of a validation
    row into the training part, because it emits each original row followed by its
    copies; the validation part then contains synthetic rows too, and
    ``validation_gap`` counts output rows, so set it to at least
    ``size_factor * (1 + time_shift)``.

    Defaults: ``lr=1e-3`` with AdamW is the usual safe rate for standardized
    inputs; ``max_epochs=100`` is an upper bound that early stopping (patience 10)
    rarely reaches on a few hundred rows; ``batch_size="auto"`` keeps several
    updates per epoch on small data and bounds the cost of an epoch on long series.

    Examples
    --------
    >>> import numpy as np
    >>> from skfix.estimators._mlp import RegularizedMLPClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(200, 4))
    >>> y = np.where(X[:, 0] + X[:, 1] > 0, "up", "down")
    >>> clf = RegularizedMLPClassifier(
    ...     hidden_layer_sizes=(16,), max_epochs=20, lr=1e-2, random_state=0
    ... ).fit(X, y)
    >>> clf.classes_.tolist()
    ['down', 'up']
    >>> bool(clf.score(X, y) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        **BaseNeuralClassifier._parameter_constraints,
        "hidden_layer_sizes": [tuple, list],
    }

    def __init__(
        self,
        *,
        hidden_layer_sizes=(256, 128, 64),
        dropout=0.4,
        weight_decay=1e-3,
        optimizer="adamw",
        lr=1e-3,
        max_epochs=100,
        batch_size="auto",
        early_stopping=True,
        patience=10,
        validation_fraction=0.2,
        validation_gap=None,
        standardize=True,
        augmenter=None,
        monitor=None,
        net_params=None,
        device="auto",
        random_state=None,
        verbose=0,
        **net_kwargs,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.lr = lr
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.validation_gap = validation_gap
        self.standardize = standardize
        self.augmenter = augmenter
        self.monitor = monitor
        self.net_params = check_net_kwargs(net_params, net_kwargs)
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _check_module_params(self):
        sizes = self.hidden_layer_sizes
        valid = [
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
        ]
        if not all(valid):
            raise ValueError(
                "hidden_layer_sizes must contain positive integers; "
                f"got {self.hidden_layer_sizes!r}."
            )

    def _module_class(self):
        from ._torch_modules import MLPModule

        return MLPModule

    def _module_params(self):
        return {
            "hidden_layer_sizes": tuple(int(s) for s in self.hidden_layer_sizes),
            "dropout": float(self.dropout),
        }
