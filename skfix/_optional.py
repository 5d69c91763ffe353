"""Optional and heavy dependencies: imported where they are used, named in one place.

Every import of a package that skfix does not load at ``import skfix`` goes through
:func:`import_optional`, so that a missing one always raises an ``ImportError`` that
says what needs it and what to install, and so that no package reaches into another's
private module for an import helper.
"""

import importlib
import sys

__all__ = [
    "import_dotted",
    "import_distributed",
    "import_matplotlib_agg",
    "import_optional",
    "import_pyarrow",
    "import_skops",
    "import_torch",
    "import_xgboost",
]


def import_optional(name, message):
    """Import and return module ``name``; on failure raise ``ImportError(message)``."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise ImportError(message) from exc


def import_dotted(path):
    """The object a dotted path names, ``"package.module.Name"``: a class a user's
    configuration declares, or one a model record names.

    Raises
    ------
    ImportError, AttributeError
        When the module cannot be imported or has no such name; ``ValueError`` when
        ``path`` is not a dotted path.
    """
    module, _, attribute = path.rpartition(".") if isinstance(path, str) else ("", "", "")
    if not module or not attribute:
        raise ValueError(
            f"expected a dotted path such as 'package.module.Name'; got {path!r}"
        )
    return getattr(importlib.import_module(module), attribute)


def import_xgboost():
    """xgboost, for :class:`~skfix.estimators.RegularizedXGBClassifier` and its files."""
    return import_optional(
        "xgboost", "RegularizedXGBClassifier needs xgboost: pip install 'xgboost>=2.0'"
    )


def import_torch(estimator_name):
    """torch and skorch, for the neural estimators and their files."""
    message = (
        f"{estimator_name} needs torch and skorch; install them with "
        "`pip install torch skorch`."
    )
    skorch = import_optional("skorch", message)
    torch = import_optional("torch", message)
    return torch, skorch


# skops.io lists the scikit-learn types it trusts when it is imported, with
# scikit-learn's all_estimators(), which imports every scikit-learn package to walk it;
# one of them, sklearn.externals.array_api_compat.torch, holds no estimator and imports
# torch when torch is installed: about a second in every process that saves or loads a
# model file (each worker of a parallel run), for nothing. While skops.io is first
# imported that one package is marked absent in sys.modules, which walk_packages skips,
# and the mark is removed afterwards, so that a later import of it works as usual. The
# list skops builds is the same (tests/persistence/test_skops_import.py checks it).
_TORCH_NAMESPACE = "sklearn.externals.array_api_compat.torch"


def import_skops():
    """``skops.io``, the safe format of the forest and logistic model files."""
    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    hide = "torch" not in sys.modules and _TORCH_NAMESPACE not in sys.modules
    if hide:
        sys.modules[_TORCH_NAMESPACE] = None
    try:
        return import_optional(
            "skops.io",
            "saving or loading a forest or logistic model needs skops: "
            "pip install 'skops>=0.10'",
        )
    finally:
        if hide and sys.modules.get(_TORCH_NAMESPACE, False) is None:
            del sys.modules[_TORCH_NAMESPACE]


def import_matplotlib_agg():
    """matplotlib's ``Figure`` and Agg canvas: plots without pyplot or a GUI."""
    message = "skfix needs matplotlib to draw plots: pip install matplotlib"
    figure = import_optional("matplotlib.figure", message)
    agg = import_optional("matplotlib.backends.backend_agg", message)
    return figure.Figure, agg.FigureCanvasAgg


def import_distributed():
    """dask.distributed, for ``skfix train --backend dask``."""
    return import_optional(
        "distributed",
        "the dask backend needs dask.distributed: pip install 'skfix[dask]'",
    )


def import_pyarrow(source):
    """pyarrow, to read the Parquet file ``source``."""
    return import_optional(
        "pyarrow",
        f"Reading the Parquet file {source} needs pyarrow, an optional dependency "
        'of skfix: pip install "skfix[parquet]".',
    )
