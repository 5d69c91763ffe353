"""The error of every reader: it names the file, what was expected and what was found."""

from __future__ import annotations

# How many example values or dates a message or report lists.
_SHOWN = 5


class DataFormatError(ValueError):
    """A price file does not have the shape or content :func:`read_prices` needs.

    The message names the file, says what was expected and what was found.

    Examples
    --------
    >>> from skfix.datasets import DataFormatError
    >>> issubclass(DataFormatError, ValueError)
    True
    """


_FOUND_CHARS = 500


def _error(source, problem, expected, found):
    found = str(found)
    if len(found) > _FOUND_CHARS:  # a whole file echoed by a parser's message
        found = f"{found[:_FOUND_CHARS]}... ({len(found):,} characters in all)"
    return DataFormatError(f"{source}: {problem}; expected {expected}, found {found}.")
