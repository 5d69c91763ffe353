"""Resident memory of processes, read from /proc (Linux only; benchmarks only)."""

import os
from pathlib import Path

__all__ = ["children", "rss", "tree_rss"]


def children():
    """Map each process id to the ids of its child processes."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            found.setdefault(int(fields[1]), []).append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def rss(pid):
    """Resident memory of one process in bytes; 0 once it is gone."""
    try:
        pages = int((Path("/proc") / str(pid) / "statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0
    return pages * os.sysconf("SC_PAGE_SIZE")


def tree_rss(root, tree=None):
    """Resident memory in bytes of a process and all its descendants.

    ``tree`` is a :func:`children` map, read afresh when None.
    """
    tree = children() if tree is None else tree
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss(pid)
        todo.extend(tree.get(pid, []))
    return total
