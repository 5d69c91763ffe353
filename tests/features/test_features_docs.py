"""The examples in the docstrings and in docs/features.md run as written."""

import doctest
import importlib
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "features.md"
MODULES = [
    "skfix.features._dataset",
    "skfix.features._labels",
    "skfix.features._price_features",
]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=FLAGS)
    assert result.attempted > 0
    assert result.failed == 0


def test_features_md_example():
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=FLAGS)
    assert result.attempted > 0
    assert result.failed == 0
