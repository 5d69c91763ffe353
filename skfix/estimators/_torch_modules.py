"""The torch modules behind the skfix neural classifiers (imported only when fitting)."""

import torch
from torch import nn

__all__ = ["ArrayBatches", "LSTMModule", "MLPModule"]


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

    def forward(self, X):
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

    def forward(self, X):
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
        self.X = torch.as_tensor(dataset.X)
        y = getattr(dataset, "y", None)
        self.y = None if y is None else torch.as_tensor(y)
        self.batch_size = int(batch_size)
        self.shuffle = shuffle

    def __len__(self):
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        for start in range(0, n, self.batch_size):
            index = order[start : start + self.batch_size]
            X = self.X[index]
            y = torch.zeros(len(index)) if self.y is None else self.y[index]
            yield X, y
