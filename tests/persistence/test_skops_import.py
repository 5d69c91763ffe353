"""skfix imports skops.io without the torch that scikit-learn's estimator listing
would pull in, and skops trusts the same types either way."""

import json
import subprocess
import sys

_TRUSTED = (
    "from skops.io._trusted_types import SKLEARN_ESTIMATOR_TYPE_NAMES as names; "
    "print(json.dumps([sorted(names), 'torch' in sys.modules]))"
)


def _run(code):
    out = subprocess.run(
        [sys.executable, "-c", f"import json, sys; {code}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.splitlines()[-1])


def test_skops_is_imported_without_torch_and_trusts_the_same_types():
    plain = _run(f"import skops.io; {_TRUSTED}")
    through_skfix = _run(
        "from skfix._optional import import_skops; import_skops(); "
        "import importlib; "
        "later = importlib.import_module('sklearn.externals.array_api_compat.torch'); "
        f"{_TRUSTED}"
    )
    assert through_skfix[0] == plain[0]
    assert len(plain[0]) > 100
    # the hidden package imports as usual afterwards (and then torch is loaded)
    assert through_skfix[1] is True


def test_import_skops_loads_no_torch():
    assert (
        _run(
            "from skfix._optional import import_skops; import_skops(); "
            "print(json.dumps('torch' in sys.modules))"
        )
        is False
    )
