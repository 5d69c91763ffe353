"""The MLP and the LSTM on the CPU and on CUDA, and a GPU-trained model on the CPU.

For the MLP and the LSTM with skfix's defaults, on a simulated AR(1) series (phi 0.3) of
2,500 and 20,000 training rows, the script fits the same estimator with
``device="cpu"`` and ``device="cuda"`` and prints the seconds per epoch per 1,000
training rows (after a warm-up fit per model and device), the speed-up (CPU time /
CUDA time, measured in the same run), the epochs early stopping ran and the accuracy on
2,000 later rows. It then checks what docs/neural.md promises of a model trained on the
GPU: every tensor of the fitted model is on the CPU, and the model saved with
``save_model`` and read back with ``load_model`` predicts the same labels as before.

Needs a CUDA device; exits with a message where there is none.

Run: ``python benchmarks/bench_device.py`` (about two minutes on one H200).
"""

import platform
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd
import torch

import skfix
from skfix.datasets import simulate_prices
from skfix.estimators import RegularizedLSTMClassifier, RegularizedMLPClassifier
from skfix.features import make_dataset
from skfix.monitoring import TrainingWarning
from skfix.persistence import load_model, save_model

SIZES = (2_500, 20_000)
N_TEST = 2_000
MODELS = {"mlp": RegularizedMLPClassifier, "lstm": RegularizedLSTMClassifier}


def _data(n_train, seed):
    prices = simulate_prices(n_train + N_TEST + 200, "ar1", 0.3, random_state=seed)
    X, y = make_dataset(prices)
    X, y = X.to_numpy(np.float32), y.to_numpy()
    return X[:n_train], y[:n_train], X[-N_TEST:], y[-N_TEST:]


def _cpu_tensors(model):
    module = model.net_.module_
    tensors = list(module.parameters()) + list(module.buffers())
    return {tensor.device.type for tensor in tensors}


def main():
    if not torch.cuda.is_available():
        sys.exit("bench_device.py needs a CUDA device; torch.cuda.is_available() is False.")
    warnings.simplefilter("ignore", TrainingWarning)
    rows = []
    checks = []
    # The first fit in a process pays for torch's lazy set-up (thread pools, CUDA
    # context, kernels); a small fit per model and device first keeps it out of the table.
    X, y, _, _ = _data(500, seed=1)
    for cls in MODELS.values():
        for device in ("cpu", "cuda"):
            cls(device=device, max_epochs=2, random_state=0).fit(X, y)
    for n_train in SIZES:
        X, y, X_test, y_test = _data(n_train, seed=n_train)
        for name, cls in MODELS.items():
            for device in ("cpu", "cuda"):
                model = cls(device=device, random_state=0)
                start = time.perf_counter()
                model.fit(X, y)
                seconds = time.perf_counter() - start
                epochs = len(model.net_.history)
                rows.append(
                    {
                        "model": name,
                        "n_train": n_train,
                        "device": model.device_,
                        "epochs": epochs,
                        "fit_s": seconds,
                        "epoch_s_per_1000_rows": seconds / epochs / (n_train / 1000),
                        "test_accuracy": float(np.mean(model.predict(X_test) == y_test)),
                    }
                )
                if device == "cuda":
                    before = model.predict(X_test)
                    with tempfile.TemporaryDirectory() as folder:
                        record = save_model(model, folder, f"{name}-{n_train}")
                        loaded = load_model(record, folder)
                    checks.append(
                        {
                            "model": name,
                            "n_train": n_train,
                            "tensor_devices": ",".join(sorted(_cpu_tensors(model))),
                            "loaded_device": ",".join(sorted(_cpu_tensors(loaded))),
                            "same_predictions": bool(
                                np.array_equal(before, loaded.predict(X_test))
                            ),
                        }
                    )
    table = pd.DataFrame(rows)
    wide = table.pivot_table(
        index=["model", "n_train"], columns="device", values="epoch_s_per_1000_rows"
    )
    wide["speed_up"] = wide["cpu"] / wide["cuda"]
    print(
        f"skfix {skfix.__version__}, Python {platform.python_version()}, torch "
        f"{torch.__version__}, {torch.cuda.get_device_name()}, CPU threads "
        f"{torch.get_num_threads()}"
    )
    with pd.option_context("display.width", 200):
        print("\nEvery fit (defaults, AR(1) phi 0.3, accuracy on 2,000 later rows):\n")
        print(table.round(4).to_string(index=False))
        print("\nSeconds per epoch per 1,000 training rows, and CPU / CUDA:\n")
        print(wide.round(4).to_string())
        print("\nA model trained on CUDA, after fitting and after save_model/load_model:\n")
        print(pd.DataFrame(checks).to_string(index=False))


if __name__ == "__main__":
    main()
