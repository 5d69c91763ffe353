"""Every relative link of the README, the changelog and docs/ reaches a file that exists
and, where it names a section (``page.md#section``), a heading of that page.

A section renamed or dropped in an edit leaves its links pointing nowhere; GitHub shows
the page without a word. The anchors are GitHub's: the heading in lower case, without
punctuation but ``-`` and ``_``, spaces made hyphens, a repeated heading numbered.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", *(ROOT / "docs").glob("*.md")])
# [text](target) outside inline code; images too
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*(```|~~~)")


def _prose(text):
    """``(line number, line)`` of the page's lines outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def github_anchor(heading):
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link: its text
    text = text.replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page):
    found, seen = set(), {}
    for _, line in _prose(page.read_text(encoding="utf-8")):
        match = re.match(r"^#{1,6}\s+(.*?)\s*#*\s*$", line)
        if not match:
            continue
        anchor = github_anchor(match.group(1))
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return found


def links(page):
    for number, line in _prose(page.read_text(encoding="utf-8")):
        for target in LINK.findall(re.sub(r"`[^`]*`", "", line)):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:
                continue
            yield number, target


def test_github_anchor_matches_githubs_rules():
    assert github_anchor("7. Power study: finding the signal that is there") == (
        "7-power-study-finding-the-signal-that-is-there"
    )
    assert github_anchor("`RegularizedRandomForestClassifier` (`rf`)") == (
        "regularizedrandomforestclassifier-rf"
    )
    assert github_anchor("Set-up on a fresh machine") == "set-up-on-a-fresh-machine"
    assert github_anchor("In `skfix train`") == "in-skfix-train"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_section_exists(page):
    broken = []
    for number, target in links(page):
        path, _, section = target.partition("#")
        destination = page if not path else (page.parent / path).resolve()
        if not destination.exists():
            broken.append(f"line {number}: {target} (no file {path})")
        elif section and destination.suffix == ".md":
            if section not in anchors(destination):
                broken.append(f"line {number}: {target} (no section #{section})")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)
