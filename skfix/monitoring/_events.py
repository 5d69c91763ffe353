"""Training events, the warning they raise, and the detection logic all monitors share."""

import math
import warnings
from dataclasses import asdict, dataclass, field

__all__ = ["EVENT_KINDS", "TrainingEvent", "TrainingMonitor", "TrainingWarning"]

EVENT_KINDS = (
    "overfitting",
    "nan_loss",
    "divergence",
    "exploding_gradient",
    "no_early_stopping",
    "not_converged",
)

# A validation loss "rises" only by more than this relative amount: plateaus that
# wobble in the last digits (late boosting rounds) are not divergence.
_MIN_RISE = 1e-3


class TrainingWarning(UserWarning):
    """Warning issued for every :class:`TrainingEvent` a monitor records.

    Filter it like any warning, e.g. ``warnings.simplefilter("error",
    TrainingWarning)`` to make a problem during training stop the program.
    """


@dataclass(frozen=True)
class TrainingEvent:
    """One thing that went wrong, or looked suspicious, while a model trained.

    Parameters
    ----------
    kind : str
        One of ``"overfitting"``, ``"nan_loss"``, ``"divergence"``,
        ``"exploding_gradient"``, ``"no_early_stopping"``, ``"not_converged"``.
    epoch : int or None
        The 1-based epoch (neural nets) or boosting round (XGBoost) at which the
        event was detected; ``None`` for a check made after fitting.
    values : dict
        The numbers behind the event (losses, scores, thresholds), as plain floats.
    message : str
        A sentence a person can read in a report.

    Examples
    --------
    >>> from skfix.monitoring import TrainingEvent
    >>> event = TrainingEvent("overfitting", 7, {"gap": 0.31}, "Gap 0.31 > 0.2.")
    >>> event.as_dict()["kind"]
    'overfitting'
    """

    kind: str
    epoch: int | None
    values: dict = field(default_factory=dict)
    message: str = ""

    def as_dict(self):
        """Return the event as a JSON-ready dict.

        Returns
        -------
        event : dict
            Keys ``kind``, ``epoch``, ``values`` and ``message``.
        """
        return asdict(self)


def _finite(value):
    return value is not None and math.isfinite(value)


class TrainingMonitor:
    """Base class of the skfix training monitors: thresholds, detection, records.

    The subclasses feed it one epoch (or boosting round) at a time through
    :meth:`_observe`, whatever library does the training; it records a
    :class:`TrainingEvent` in ``events_`` and issues it as a :class:`TrainingWarning`.

    Detection rules, with the thresholds of the subclasses' parameters:

    - **overfitting**: training score minus validation score above ``max_gap`` for
      ``patience`` consecutive epochs;
    - **nan_loss**: a training or validation loss that is NaN or infinite;
    - **divergence**: validation loss rising (by more than 0.1 %) for ``patience``
      consecutive epochs while training loss falls, or a training loss both above
      the first epoch's and more than ``divergence_factor`` times the best so far;
    - **exploding_gradient**: a gradient norm above ``max_grad_norm`` (where the
      library exposes gradients).

    Overfitting, divergence and exploding gradients are recorded once per episode:
    again only after the condition has cleared.
    """

    def _reset(self):
        self.events_ = []
        self.stopped_epoch_ = None
        self._gap_streak = 0
        self._rise_streak = 0
        self._prev = None
        self._first_train_loss = None
        self._best_train_loss = math.inf
        self._active = set()

    def _record(self, kind, epoch, values, message):
        values = {
            key: math.nan if value is None else float(value)
            for key, value in values.items()
        }
        event = TrainingEvent(kind, epoch, values, message)
        self.events_.append(event)
        warnings.warn(message, TrainingWarning, stacklevel=3)
        return event

    def _once(self, kind, condition, epoch, values, message):
        """Record ``kind`` when ``condition`` starts holding; re-arm when it clears."""
        if not condition:
            self._active.discard(kind)
        elif kind not in self._active:
            self._active.add(kind)
            self._record(kind, epoch, values, message)

    def _observe(
        self,
        epoch,
        *,
        train_loss=None,
        valid_loss=None,
        train_score=None,
        valid_score=None,
        grad_norm=None,
    ):
        """Check one epoch; return ``True`` when training must stop (non-finite loss).

        Any argument may be ``None`` when the library does not provide it.
        """
        for name, loss in (("train_loss", train_loss), ("valid_loss", valid_loss)):
            if loss is not None and not math.isfinite(loss):
                self._record(
                    "nan_loss",
                    epoch,
                    {name: loss},
                    f"{name} is {loss} at epoch {epoch}: training stopped and the last "
                    "weights with a finite loss were kept.",
                )
                self.stopped_epoch_ = epoch
                return True

        if _finite(train_score) and _finite(valid_score):
            gap = train_score - valid_score
            self._gap_streak = self._gap_streak + 1 if gap > self.max_gap else 0
            self._once(
                "overfitting",
                self._gap_streak >= self.patience,
                epoch,
                {
                    "train_score": train_score,
                    "valid_score": valid_score,
                    "gap": gap,
                    "max_gap": self.max_gap,
                    "patience": self.patience,
                },
                f"Train-validation gap {gap:.3f} (train {train_score:.3f}, validation "
                f"{valid_score:.3f}) above max_gap={self.max_gap} for {self.patience} "
                f"epochs, at epoch {epoch}.",
            )

        rising = False
        if self._prev is not None and _finite(valid_loss) and _finite(train_loss):
            prev_train, prev_valid = self._prev
            if _finite(prev_valid) and _finite(prev_train):
                rising = (
                    valid_loss > prev_valid + _MIN_RISE * abs(prev_valid)
                    and train_loss < prev_train
                )
        self._rise_streak = self._rise_streak + 1 if rising else 0
        self._prev = (train_loss, valid_loss)

        blown_up = False
        if _finite(train_loss):
            if self._first_train_loss is None:
                self._first_train_loss = train_loss
            blown_up = (
                train_loss > self.divergence_factor * self._best_train_loss
                and train_loss > self._first_train_loss
            )
            self._best_train_loss = min(self._best_train_loss, train_loss)
        if self._rise_streak >= self.patience:
            message = (
                f"Validation loss rose for {self.patience} epochs while training loss "
                f"fell (validation {valid_loss:.4g}, training {train_loss:.4g}), at "
                f"epoch {epoch}."
            )
        else:
            message = (
                f"Training loss {train_loss} is above its first value and more than "
                f"{self.divergence_factor} times its best ({self._best_train_loss:.4g}), "
                f"at epoch {epoch}."
            )
        self._once(
            "divergence",
            self._rise_streak >= self.patience or blown_up,
            epoch,
            {
                "train_loss": train_loss,
                "valid_loss": math.nan if valid_loss is None else valid_loss,
                "best_train_loss": self._best_train_loss,
                "divergence_factor": self.divergence_factor,
            },
            message,
        )

        if grad_norm is not None and self.max_grad_norm is not None:
            self._once(
                "exploding_gradient",
                not math.isfinite(grad_norm) or grad_norm > self.max_grad_norm,
                epoch,
                {"grad_norm": grad_norm, "max_grad_norm": self.max_grad_norm},
                f"Gradient norm {grad_norm:.4g} above max_grad_norm="
                f"{self.max_grad_norm} at epoch {epoch}.",
            )
        return False
