"""A model that ends the worker process fitting it: a worker killed mid-symbol."""

import multiprocessing
import os
import signal

from sklearn.linear_model import LogisticRegression


class WorkerKillingClassifier(LogisticRegression):
    """Fits like a logistic regression in the test's own process; in a worker process
    it kills that process (SIGKILL, as the system's out-of-memory killer does)."""

    def fit(self, X, y, sample_weight=None):
        if multiprocessing.parent_process() is not None:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().fit(X, y, sample_weight=sample_weight)


def sleep_then_pid(seconds, folder):
    """A task: write this process's id into ``folder``, sleep, return the id."""
    import time
    from pathlib import Path

    pid = os.getpid()
    (Path(folder) / f"{pid}-{seconds}").write_text("")
    time.sleep(seconds)
    return pid
