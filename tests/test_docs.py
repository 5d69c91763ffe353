"""Every Python example in the README and docs/ runs, so the docs cannot rot.

A ```pycon block, or a ```python block written with ``>>>`` prompts, is run as a doctest,
its output checked; any other ```python block is executed. Blocks of one page share a
namespace, in order, as a reader would run them.
"""

import doctest
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(python|pycon)\n(.*?)^```", re.S | re.M)
DOCTEST_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def test_pages_are_found():
    assert ROOT / "README.md" in PAGES and len(PAGES) > 3


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_python_examples_run(page, tmp_path, monkeypatch):
    blocks = FENCE.findall(page.read_text(encoding="utf-8"))
    if not blocks:
        pytest.skip(f"{page.name} has no Python example")
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": f"docs_{page.stem}"}
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=DOCTEST_FLAGS)
    for number, (language, block) in enumerate(blocks, start=1):
        name = f"{page.name} (example {number})"
        if language == "pycon" or block.lstrip().startswith(">>>"):
            test = parser.get_doctest(block, namespace, name, str(page), 0)
            result = runner.run(test, clear_globs=False)
            namespace.update(test.globs)  # DocTest works on a copy of the namespace
            assert result.failed == 0, f"{name}: {result.failed} doctest line(s) failed"
        else:
            exec(compile(block, name, "exec"), namespace)
