"""Text cells a spreadsheet cannot take for a formula: every CSV fer-video writes goes through here.

A picture or video named ``=HYPERLINK("...").jpg`` would put that name, as a formula, into the
timeline, the per-face table and ``summary.csv``, and a spreadsheet opening them would run it. As
OWASP's CSV-injection guidance says, a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return gets a single quote in front, which spreadsheets show as text. A cell that begins
with a quote gets one more, so :func:`real_text` gives back every name exactly. Numbers are left as
they are (``-0.5`` is a number, not a formula).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
REAL_TEXT_PATTERN = r"^'(?=[=+\-@\t\r'])"
"""What to take off a cell read back for its real text: ``df.file.str.replace(REAL_TEXT_PATTERN, "", regex=True)``."""


def safe_cell(value: Any) -> Any:
    """``value`` as a CSV cell: text that a spreadsheet would take for a formula, quoted."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, QUOTE)):
        return QUOTE + value
    return value


def safe_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``csv.DictWriter`` row with every text cell made safe."""
    return {key: safe_cell(value) for key, value in row.items()}


def safe_cells(values: Iterable[Any]) -> list[Any]:
    """A ``csv.writer`` row with every text cell made safe."""
    return [safe_cell(value) for value in values]


def real_text(cell: str) -> str:
    """The text a :func:`safe_cell` came from."""
    if cell.startswith(QUOTE) and cell[1:].startswith((*FORMULA_STARTS, QUOTE)):
        return cell[1:]
    return cell
