"""The parameter and attribute text the neural estimators' docstrings share."""

NEURAL_PARAMETERS_DOC = """\
weight_decay : float, default=1e-3
        Weight decay of the optimizer (decoupled with AdamW, an L2 penalty with Adam
        and SGD).

    optimizer : {"adamw", "adam", "sgd"} or torch optimizer class, default="adamw"
        The torch optimizer: a name, or a subclass of ``torch.optim.Optimizer``
        (``torch.optim.RMSprop``, your own), as skorch takes it. Its own arguments
        are skorch parameters: ``optimizer__momentum=0.9``.

    lr : float, default=1e-3
        Learning rate.

    max_epochs : int, default=100
        Largest number of passes over the training part.

    batch_size : int or "auto", default="auto"
        Rows per mini-batch; training batches are reshuffled every epoch.
        ``"auto"`` is 64 rows, or a twentieth of the training rows when that is
        more (at most 512): about 20 updates per epoch on long series, where 64
        rows would make an epoch cost several times more for the same accuracy.

    early_stopping : bool, default=True
        Stop when the validation loss has not improved for ``patience`` epochs and
        restore the weights of the best epoch. The validation part is the **latest**
        ``validation_fraction`` of the rows in the order received, after a gap of
        ``validation_gap`` rows (see Notes). With too few rows for both parts the
        net trains on all rows without early stopping and records a
        ``"no_early_stopping"`` event.

    patience : int, default=10
        Epochs without improvement of the validation loss before stopping.

    validation_fraction : float, default=0.2
        Share of the rows, taken from the end, used for early stopping.

    validation_gap : int or None, default=None
        Rows dropped between the training and the validation part. ``None`` means
        one label horizon (1 row) plus the rows a validation sample looks back on
        (see the class's Notes).

    standardize : bool, default=True
        Standardize the features with a ``StandardScaler`` fitted on the training
        part only (never on the validation rows).

    augmenter : imbalanced-learn sampler or None, default=None
        A resampler such as :class:`skfix.augment.TimeSeriesAugmenter`. It is cloned
        and applied, with ``fit_resample``, to the training part only, *after* the
        time-ordered validation part has been set aside, so no synthetic copy of a
        validation row is ever trained on. An unset ``random_state`` of the
        augmenter is derived from this estimator's ``random_state``.

    monitor : SkorchMonitor or None, default=None
        The training monitor (cloned at fit). ``None`` uses
        ``SkorchMonitor()`` with its default thresholds.

    net_params : dict or None, default=None
        skorch's own prefixed parameters, passed to the ``NeuralNetClassifier``
        last, so they win over skfix's: ``optimizer__momentum``, ``module__*``,
        ``criterion__*``, ``iterator_train__*``, ``iterator_valid__*`` and
        ``callbacks__<name>__<param>`` (the callbacks are ``"monitor"`` and, with
        early stopping, ``"early_stopping"`` and ``"train_acc"``). ``set_params``
        and ``GridSearchCV`` reach them by their skorch names, as with a skorch net:
        ``set_params(optimizer__momentum=0.9)`` stores the value here, so
        ``get_params`` stays one entry per constructor argument and ``clone`` keeps
        them. The constructor takes them as keyword arguments too
        (``RegularizedMLPClassifier(optimizer="sgd", optimizer__momentum=0.9)``) and
        stores them here; ``fit`` refuses a key without one of the prefixes.

    device : str, default="auto"
        Torch device to train on; ``"auto"`` picks ``"cuda"`` when available. The
        fitted network is moved to the CPU after training, so a model trained on a
        GPU predicts, pickles and loads on any machine.

    random_state : int, RandomState instance or None, default=None
        Seeds torch (weights, dropout, batch shuffling) and the augmenter. The same
        integer gives the same predictions on the same CPU. Torch's global random
        state is restored after ``fit``.

    verbose : int, default=0
        skorch's per-epoch log when positive."""

NEURAL_ATTRIBUTES_DOC = """\
classes_ : ndarray of shape (n_classes,)
        The class labels; ``predict`` returns values from it.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when ``X`` has string column names.

    net_ : skorch.NeuralNetClassifier
        The trained skorch net (on the CPU).

    scaler_ : StandardScaler or None
        The scaler fitted on the training part, or ``None`` without
        ``standardize``.

    augmenter_ : sampler or None
        The fitted clone of ``augmenter``.

    history_ : dict of list
        Per-epoch ``epoch``, ``train_loss``, ``valid_loss``, ``train_acc`` and
        ``valid_acc`` (NaN where not measured), for plots and reports.

    n_epochs_ : int
        Number of epochs run.

    best_epoch_ : int or None
        Epoch whose weights were kept by early stopping, else ``None``.

    training_warnings_ : list of skfix.monitoring.TrainingEvent
        Everything the monitor noticed during ``fit`` (each also issued as a
        ``TrainingWarning``).

    train_indices_ : ndarray of int
        Positions, in the ``X`` given to ``fit``, of the real rows of the training
        part.

    valid_indices_ : ndarray of int
        Positions of the validation rows (empty without early stopping).

    train_sample_indices_ : ndarray of int or None
        For every sample the net trained on, the position of its origin row in
        ``X`` (from the augmenter's ``sample_indices_``; equal to ``train_indices_``
        without augmenter; ``None`` when the augmenter does not report it).

    device_ : str
        The device the net was trained on."""


def inject_docs(cls):
    """Fill the shared parameter and attribute text into a neural estimator's doc."""
    cls.__doc__ = cls.__doc__.replace("%(neural_parameters)s", NEURAL_PARAMETERS_DOC)
    cls.__doc__ = cls.__doc__.replace("%(neural_attributes)s", NEURAL_ATTRIBUTES_DOC)
    return cls
