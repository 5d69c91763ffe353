"""The torch modules behind the skfix neural classifiers (imported only when fitting)."""

import torch
from skorch import NeuralNetClassifier
from torch import nn

__all__ = ["ArrayBatches", "LSTMModule", "MLPModule", "WeightedNeuralNetClassifier"]


class MLPModule(nn.Module):
    """Feed-forward net: ``Linear -> ReLU -> Dropout`` per hidden layer, then a head.

    Returns logits, one column per class.
    """

    def __init__(
        self, n_features, n_classes, hidden_layer_sizes=(256, 128, 64), dropout=0.4
    ):
        super().__init__()
        layers = []
        width = n_features
        for size in hidden_layer_sizes:
            layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
            width = size
        layers.append(nn.Linear(width, n_classes))
        self.layers = nn.Sequential(*layers)

    def forward(self, X, sample_weight=None):
        # sample_weight rides along with X in a weighted fit; the loss reads it
        return self.layers(X)


class LSTMModule(nn.Module):
    """LSTM over a ``(batch, lookback, n_features)`` window, classified from its last step.

    Dropout is applied to the LSTM's last output before the linear head: torch's own
    LSTM dropout acts only *between* stacked layers, so with one layer it would do
    nothing. With several layers the same rate is also used between them.
    """

    def __init__(self, n_features, n_classes, hidden_dim=64, num_layers=1, dropout=0.5):
        super().__init__()
        self.lstm = nn.LSTM(
            n_features,
            hidden_dim,
            num_layers=num_layers,
            batch_first=True,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_dim, n_classes)

    def forward(self, X, sample_weight=None):
        output, _ = self.lstm(X)
        return self.head(self.dropout(output[:, -1]))


def net_to_cpu(net):
    """Move a fitted skorch net's module, criterion and optimizer state to the CPU.

    A net trained on a GPU then predicts, pickles and loads on a CPU-only machine.
    """
    net.module_.to("cpu")
    net.criterion_.to("cpu")
    for state in net.optimizer_.state.values():
        for key, value in state.items():
            if torch.is_tensor(value):
                state[key] = value.to("cpu")
    net.device = "cpu"
    return net


class ArrayBatches:
    """Mini-batches sliced from whole arrays: skorch's ``iterator_train/valid``.

    torch's ``DataLoader`` fetches a batch one row at a time through the dataset's
    ``__getitem__`` and collates the rows, a Python loop over rows that costs more
    than the network itself on skfix's small tables (about 25 microseconds a row,
    against 2 ms for the forward and backward pass of a 64-row batch). This iterator
    indexes the arrays once per batch instead. Shuffling draws a permutation from
    torch's global generator, which the estimators seed in ``fit``.

    Parameters
    ----------
    dataset : skorch.dataset.Dataset
        Holds ``X`` (an array of samples) and ``y`` (labels, or None when predicting).
    batch_size : int, default=64
        Rows per batch; the last batch may be smaller.
    shuffle : bool, default=False
        A new order of the rows at every pass.
    **kwargs
        Other DataLoader options skorch may pass; not used.
    """

    def __init__(self, dataset, batch_size=64, shuffle=False, **kwargs):
        # X is an array of samples, or {"X": samples, "sample_weight": weights}
        X = dataset.X
        self.X = (
            {key: torch.as_tensor(value) for key, value in X.items()}
            if isinstance(X, dict)
            else torch.as_tensor(X)
        )
        y = getattr(dataset, "y", None)
        self.y = None if y is None else torch.as_tensor(y)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle

    def _n_rows(self):
        return len(self.X["X"] if isinstance(self.X, dict) else self.X)

    def __len__(self):
        return -(-self._n_rows() // self.batch_size)

    def __iter__(self):
        n = self._n_rows()
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            if isinstance(self.X, dict):
                X = {key: value[index] for key, value in self.X.items()}
            else:
                X = self.X[index]
            y = torch.zeros(len(index)) if self.y is None else self.y[index]
            yield X, y


class WeightedNeuralNetClassifier(NeuralNetClassifier):
    """skorch's classifier with a per-row weighted loss.

    ``X`` is ``{"X": samples, "sample_weight": weights}`` and the criterion is built
    with ``reduction="none"``; each batch's loss is the weighted mean of its rows'
    losses, ``sum(w * loss) / sum(w)``, so uniform weights give the unweighted loss.
    """

    def get_loss(self, y_pred, y_true, X=None, training=False):
        loss = super().get_loss(y_pred, y_true, X=X, training=training)
        if not isinstance(X, dict) or "sample_weight" not in X:
            return loss
        weights = torch.as_tensor(X["sample_weight"]).to(loss.device, loss.dtype)
        return (weights * loss).sum() / weights.sum().clamp_min(1e-12)
