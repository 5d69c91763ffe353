"""Shared machinery of the skfix neural classifiers (skorch underneath).

The estimators are plain scikit-learn classifiers that build a fresh skorch
``NeuralNetClassifier`` in every ``fit`` (composition, not inheritance): skorch's own
estimator API does not pass scikit-learn's checks, so skfix keeps the sklearn side
itself and uses skorch only for the training loop and its callbacks.
"""

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import HasMethods, Interval, StrOptions, _check_sample_weight, _fit_context
from .._optional import import_torch
from ._validation import augment_training_rows, time_tail_split

_MIN_PART_ROWS = 2
# batch_size="auto": 64 rows, or enough for about 20 updates per epoch, at most 512
_MIN_AUTO_BATCH, _AUTO_BATCHES, _MAX_AUTO_BATCH = 64, 20, 512
_HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "train_acc", "valid_acc")


def _as_float32(X):
    # torch cannot wrap read-only memory (e.g. a memory-mapped X) without copying.
    return np.require(X, dtype=np.float32, requirements=["C", "W"])


def _batch_size(batch_size, n_train):
    if batch_size == "auto":
        return min(_MAX_AUTO_BATCH, max(_MIN_AUTO_BATCH, n_train // _AUTO_BATCHES))
    return batch_size


# skorch's parameter prefixes that a skfix net passes through (see ``net_params``).
_NET_PREFIXES = (
    "module",
    "optimizer",
    "criterion",
    "callbacks",
    "iterator_train",
    "iterator_valid",
)


def _is_net_param(key):
    prefix, separator, rest = key.partition("__")
    return bool(separator and rest) and prefix in _NET_PREFIXES


def _fused(torch, optimizer, device):
    """``{"optimizer__fused": True}`` where torch has a fused Adam(W) for ``device``.

    ``optimizer`` is the optimizer class; only torch's own Adam and AdamW are fused.

    The fused step updates every parameter in one kernel instead of a Python loop
    over tensors: about four times faster on the CPU for skfix's nets, where the
    optimizer step cost as much as the forward and backward pass. CPU support came
    with torch 2.4; where it is missing the loop is used.
    """
    if optimizer not in (torch.optim.Adam, torch.optim.AdamW):
        return {}
    try:
        param = torch.zeros(1, requires_grad=True, device=device)
        torch.optim.Adam([param], fused=True)
    except (RuntimeError, TypeError, ValueError):
        return {}
    return {"optimizer__fused": True}


def check_net_kwargs(net_params, kwargs):
    """``net_params`` with a constructor's skorch keyword arguments added.

    Nothing is refused here (scikit-learn estimators raise no errors in ``__init__``):
    a keyword without a skorch prefix is refused by ``fit``, naming it.
    """
    if not kwargs or not isinstance(net_params, (dict, type(None))):
        return net_params  # a net_params that is not a dict is refused by fit
    return {**(net_params or {}), **kwargs}


def resolve_device(device, torch):
    """Turn ``"auto"`` into ``"cuda"`` or ``"cpu"``; leave any other device as given."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class BaseNeuralClassifier(ClassifierMixin, BaseEstimator):
    """Base class of the skorch-backed classifiers; not for direct use.

    Subclasses define ``_lookback`` (rows each sample covers), ``_make_samples``
    (rows to network inputs), ``_module_params`` and ``_module_class``.
    """

    _parameter_constraints: dict = {
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "optimizer": [StrOptions({"adamw", "adam", "sgd"}), type],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "early_stopping": ["boolean"],
        "patience": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "validation_gap": [Interval(Integral, 0, None, closed="left"), None],
        "standardize": ["boolean"],
        "augmenter": [HasMethods(["fit_resample"]), None],
        "monitor": [HasMethods(["on_epoch_end", "on_batch_end"]), None],
        "net_params": [dict, None],
        "device": [str],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _lookback = 1

    def set_params(self, **params):
        """Set parameters; skorch's prefixed ones (``optimizer__momentum``, ...) go
        to ``net_params``.

        Parameters
        ----------
        **params : dict
            Constructor parameters, or skorch parameters whose prefix is one of
            ``module``, ``optimizer``, ``criterion``, ``callbacks``,
            ``iterator_train`` and ``iterator_valid``.

        Returns
        -------
        self : estimator instance
        """
        net = {key: params.pop(key) for key in list(params) if _is_net_param(key)}
        if net:
            # a new dict: clones and earlier estimators may share the old one
            self.net_params = {**(self.net_params or {}), **net}
        return super().set_params(**params) if params else self

    def _optimizer_class(self, torch):
        """The torch optimizer class ``optimizer`` names or is; ValueError if neither."""
        names = {
            "adamw": torch.optim.AdamW,
            "adam": torch.optim.Adam,
            "sgd": torch.optim.SGD,
        }
        if isinstance(self.optimizer, str):
            return names[self.optimizer]
        if not issubclass(self.optimizer, torch.optim.Optimizer):
            raise ValueError(
                f"optimizer of {type(self).__name__} must be one of {sorted(names)} or a "
                "subclass of torch.optim.Optimizer (such as torch.optim.SGD); found the "
                f"class {self.optimizer.__module__}.{self.optimizer.__qualname__}."
            )
        return self.optimizer

    def _validate_extra_params(self):
        # net_params keys too, so that a misspelt parameter given as a keyword (stored
        # in net_params) is refused before training (skfix._compat.validate_params);
        # fit refuses it too, when it builds the net
        self._net_params()

    def _net_params(self):
        params = dict(self.net_params or {})
        unknown = sorted(key for key in params if not _is_net_param(key))
        if unknown:
            raise ValueError(
                f"{unknown} are neither parameters of {type(self).__name__} (which are "
                f"{sorted(self.get_params(deep=False))}) nor skorch parameters with a "
                f"prefix among {list(_NET_PREFIXES)} and '__' (such as "
                "'optimizer__momentum'), which the nets keep in net_params."
            )
        return params

    def _make_samples(self, X):
        return X

    def _lag_groups(self, n_features):
        return None

    def _module_class(self):
        raise NotImplementedError

    def _module_params(self):
        raise NotImplementedError

    def _check_module_params(self):
        """Check what ``_parameter_constraints`` cannot express; raise ValueError."""

    def _record(self, events, kind, values, message):
        from ..monitoring import TrainingEvent, TrainingWarning

        event = TrainingEvent(kind, None, values, message)
        events.append(event)
        warnings.warn(message, TrainingWarning, stacklevel=4)

    def _split(self, n_samples, events):
        everything = np.arange(n_samples)
        if not self.early_stopping:
            return everything, everything[:0]
        gap = self._lookback if self.validation_gap is None else self.validation_gap
        train, valid = time_tail_split(n_samples, self.validation_fraction, gap)
        if train.size < _MIN_PART_ROWS or valid.size < _MIN_PART_ROWS:
            self._record(
                events,
                "no_early_stopping",
                {"n_samples": n_samples, "validation_gap": gap},
                f"{type(self).__name__}: {n_samples} rows are too few for a training "
                f"and a validation part of at least {_MIN_PART_ROWS} rows each with "
                f"validation_fraction={self.validation_fraction} and a gap of {gap} "
                "rows; trained on all rows without early stopping.",
            )
            return everything, everything[:0]
        return train, valid

    def _augment(self, X_train, y_train, weight_train, train, seed):
        """The training samples after the augmenter (through the one hand-off,
        :func:`augment_training_rows`), back in the net's shape and dtypes."""
        shape = X_train.shape[1:]
        X_res, y_res, weight_train = augment_training_rows(
            self,
            X_train.reshape(len(X_train), -1),
            y_train,
            weight_train,
            train=train,
            random_state=seed,
            lag_groups=self._lag_groups(self.n_features_in_),
        )
        X_res = np.asarray(X_res, dtype=np.float32).reshape(-1, *shape)
        return X_res, np.asarray(y_res, dtype=np.int64), weight_train

    def _build_net(
        self, skorch, torch, n_train, valid_dataset, monitor, device, weighted=False
    ):
        from skorch.callbacks import EarlyStopping, EpochScoring
        from skorch.helper import predefined_split

        optimizer = self._optimizer_class(torch)
        callbacks = [("monitor", monitor)]
        train_split = None
        if valid_dataset is not None:
            train_split = predefined_split(valid_dataset)
            callbacks = [
                (
                    "train_acc",
                    EpochScoring(
                        "accuracy",
                        lower_is_better=False,
                        on_train=True,
                        name="train_acc",
                        use_caching=False,
                    ),
                ),
                *callbacks,
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss", patience=self.patience, load_best=True
                    ),
                ),
            ]
        from ._torch_modules import ArrayBatches, WeightedNeuralNetClassifier

        params = {
            **self._module_kwargs(
                self.n_features_in_, len(self.classes_), self._module_params()
            ),
            "criterion": torch.nn.CrossEntropyLoss,
            "optimizer": optimizer,
            "optimizer__weight_decay": self.weight_decay,
            **_fused(torch, optimizer, device),
            "lr": self.lr,
            "max_epochs": self.max_epochs,
            "batch_size": min(_batch_size(self.batch_size, n_train), n_train),
            "iterator_train": ArrayBatches,
            "iterator_valid": ArrayBatches,
            "iterator_train__shuffle": True,
            "train_split": train_split,
            "callbacks": callbacks,
            "classes": list(range(len(self.classes_))),
            "device": device,
            "verbose": self.verbose,
            **self._net_params(),
        }
        if weighted:
            params["criterion__reduction"] = "none"
            return WeightedNeuralNetClassifier(self._module_class(), **params)
        return skorch.NeuralNetClassifier(self._module_class(), **params)

    def _module_kwargs(self, n_features, n_classes, module_params):
        """skorch's ``module__*`` arguments of the network: its size, the subclass's
        ``module_params`` and, winning over both, a user's ``module__*`` parameters."""
        kwargs = {"module__n_features": n_features, "module__n_classes": n_classes}
        kwargs.update((f"module__{key}", value) for key, value in module_params.items())
        kwargs.update(
            (key, value)
            for key, value in (self.net_params or {}).items()
            if key.startswith("module__")
        )
        return kwargs

    def _net_state(self):
        """The fitted network as plain data, for a model file.

        Returns
        -------
        arrays : dict of str to ndarray
            The module's ``state_dict``, as CPU arrays.
        network : dict
            What :meth:`_restore_net` needs beside the arrays to rebuild the net:
            ``module_params``, ``n_features``, ``n_classes`` and ``batch_size``.
        """
        check_is_fitted(self)
        arrays = {
            key: tensor.detach().cpu().numpy()
            for key, tensor in self.net_.module_.state_dict().items()
        }
        network = {
            "module_params": self._module_params(),
            "n_features": int(self.n_features_in_),
            "n_classes": len(self.classes_),
            "batch_size": int(self.net_.batch_size),
        }
        return arrays, network

    def _restore_net(self, arrays, network):
        """Rebuild ``net_`` on the CPU from :meth:`_net_state`'s output, for predicting.

        The module is built as ``fit`` built it and its weights are loaded strictly:
        a tensor missing, extra or of another shape raises. The caller's torch random
        state is left as it was (building a module draws initial weights).
        """
        torch, skorch = import_torch(type(self).__name__)
        state_dict = {
            key: torch.from_numpy(np.array(value)) for key, value in arrays.items()
        }
        net = skorch.NeuralNetClassifier(
            self._module_class(),
            **self._module_kwargs(
                network["n_features"], network["n_classes"], network["module_params"]
            ),
            criterion=torch.nn.CrossEntropyLoss,
            classes=list(range(network["n_classes"])),
            batch_size=network["batch_size"],
            train_split=None,
            device="cpu",
        )
        with torch.random.fork_rng(devices=[]):
            net.initialize()
        net.module_.load_state_dict(state_dict, strict=True)
        net.module_.eval()
        self.net_ = net
        return self

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None):
        """Train the network, with early stopping on the latest rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows **in time order**, oldest first. float64, float32 and
            pandas input are accepted; the net computes in float32.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights. Each batch's loss, and the early-stopping
            validation loss, is the weighted mean of its rows' losses; rows an
            augmenter adds carry the weight of the row they were made from. Uniform
            weights train exactly as no weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32])
        check_classification_targets(y)
        self._check_module_params()
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
            if np.all(sample_weight == sample_weight[0]) and sample_weight[0] > 0:
                sample_weight = None  # uniform weights: the unweighted fit, exactly
        self.classes_, y_encoded = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least two classes in y to train; "
                f"got 1 class: {self.classes_.tolist()}."
            )
        torch, skorch = import_torch(type(self).__name__)
        from skorch.dataset import Dataset

        from ..monitoring import SkorchMonitor

        self.device_ = resolve_device(self.device, torch)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        events = []
        train, valid = self._split(X.shape[0], events)
        self.train_indices_, self.valid_indices_ = train, valid

        self.scaler_ = StandardScaler().fit(X[train]) if self.standardize else None
        X_scaled = X if self.scaler_ is None else self.scaler_.transform(X)
        samples = self._make_samples(_as_float32(X_scaled))
        y_encoded = y_encoded.astype(np.int64)
        X_train, y_train, train_weight = self._augment(
            samples[train],
            y_encoded[train],
            None if sample_weight is None else sample_weight[train],
            train,
            seed,
        )
        valid_X = samples[valid]
        if sample_weight is not None:
            if not train_weight.sum() > 0:
                raise ValueError(
                    f"sample_weight of the training rows of {type(self).__name__} "
                    "sums to 0: nothing would be learned."
                )
            X_train = {"X": X_train, "sample_weight": train_weight}
            valid_X = {"X": valid_X, "sample_weight": sample_weight[valid]}
        valid_dataset = None
        if valid.size:
            valid_dataset = Dataset(valid_X, y_encoded[valid])

        monitor = SkorchMonitor() if self.monitor is None else clone(self.monitor)
        net = self._build_net(
            skorch,
            torch,
            len(y_train),
            valid_dataset,
            monitor,
            self.device_,
            weighted=sample_weight is not None,
        )
        cuda = [torch.device(self.device_).index or 0] if "cuda" in self.device_ else []
        with torch.random.fork_rng(devices=cuda):
            torch.manual_seed(seed)
            net.fit(X_train, y_train)

        from ._torch_modules import net_to_cpu

        self.net_ = net_to_cpu(net)
        self.history_ = {
            key: [row.get(key, math.nan) for row in net.history] for key in _HISTORY_KEYS
        }
        self.n_epochs_ = len(net.history)
        stopper = dict(net.callbacks_).get("early_stopping")
        self.best_epoch_ = None if stopper is None else int(stopper.best_epoch_)
        self.training_warnings_ = events + list(monitor.events_)
        return self

    def predict_proba(self, X):
        """Class probabilities, one row per input row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order (the LSTM looks back on earlier rows of ``X``).

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        if self.scaler_ is not None:
            X = self.scaler_.transform(X)
        samples = self._make_samples(_as_float32(X))
        torch, _ = import_torch(type(self).__name__)
        # torch's DataLoader draws a seed from the global generator even when it does
        # not shuffle; predicting must not move the caller's random state.
        with torch.random.fork_rng(devices=[]):
            proba = np.asarray(self.net_.predict_proba(samples), dtype=np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predicted class labels, one per input row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]
