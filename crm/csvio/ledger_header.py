"""Finding the header of a ledger the product did not write.

A hub's own Excel ledger rarely starts with its header: a title (「令和3年度 相談記録台帳」) and
a blank line come first, header cells are merged across columns or over two rows (「企業情報」
over 「会社名」 and 「所在地」), and CSV copies come in UTF-8 or Shift_JIS. The header is the row
among the first ones whose cells name the most known fields (``crm.csvio.ledger_fields``);
when the row above or below it is part of a two-row header, the two are read together, each
column taking the lower cell, else the upper one (a cell merged over two rows keeps its text in
the upper one). Workbooks are read by the existing reader in its child process
(``crm.csvio.reading.files_in``), CSV by the existing decoder, so both are bounded as any
import is.
"""

import io
from dataclasses import dataclass, field

from crm.csvio.columns import ENTITIES, REQUIRED_COLUMNS
from crm.csvio.excel import decode, iter_rows
from crm.csvio.ledger_fields import CONSULTATION, norm, suggest_field
from crm.csvio.reading import clean_cell, guess_entity, sheet_of, sheet_rows

# Rows searched for the header: titles, notes and blank lines above it are never this many.
HEADER_SEARCH_ROWS = 30
# A header names at least this many known fields.
MIN_KNOWN = 2

Row = tuple[int, list[str]]


@dataclass
class LedgerTable:
    """One sheet or CSV of a ledger: its header as detected and its data rows."""

    name: str  # as the import names it: 台帳.xlsx[相談] or 台帳.csv
    encoding: str
    header_rows: list[int]  # spreadsheet row numbers of the header (one or two)
    headers: list[str]  # one per column, as written ("" for a column without header)
    rows: list[Row] = field(repr=False)  # data rows below the header, with their row numbers

    def column_values(self, index: int, limit: int | None = None) -> list[str]:
        """The non-blank values of column ``index``, in row order (the first ``limit``)."""
        found: list[str] = []
        for _, cells in self.rows:
            value = clean_cell(cells[index]) if index < len(cells) else None
            if value is not None:
                found.append(value)
                if limit is not None and len(found) >= limit:
                    break
        return found

    def header_text(self) -> str:
        numbers = "・".join(str(n) for n in self.header_rows)
        return f"{numbers} 行目"


def _delimiter(text: str) -> str:
    head = text.lstrip("\ufeff").split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in head) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def source_rows(name: str, data: bytes) -> tuple[str, list[Row]]:
    """(encoding, every non-blank row) of a CSV, or of a sheet entry ``book.xlsx[sheet]``."""
    split = sheet_of(name)
    if split is not None:
        return "xlsx", list(sheet_rows(data, split[1], name))
    text, encoding = decode(data)
    delimiter = _delimiter(text)
    return encoding, list(iter_rows(io.StringIO(text, newline=""), delimiter))


def _score(cells: list[str], entity: str) -> int:
    filled = [c for c in cells if clean_cell(c)]
    if len(filled) < MIN_KNOWN:  # a title row, a note, a total
        return 0
    return sum(1 for c in filled if suggest_field(c, entity) is not None)


def _combined(upper: list[str], lower: list[str]) -> list[str]:
    """A two-row header: each column's lower cell, else its upper one."""
    width = max(len(upper), len(lower))
    result = []
    for index in range(width):
        low = clean_cell(lower[index]) if index < len(lower) else None
        high = clean_cell(upper[index]) if index < len(upper) else None
        result.append(low or high or "")
    return result


def detect_header(
    name: str, encoding: str, rows: list[Row], entity: str = CONSULTATION, at: int | None = None
) -> LedgerTable | None:
    """The ledger's header and data rows, or None when no row looks like a header. ``at``: the
    header's row number as the person gave it (a template may keep it)."""
    first = rows[:HEADER_SEARCH_ROWS]
    if at is not None:
        found = [i for i, (number, _) in enumerate(rows) if number == at]
        if not found:
            return None
        best = found[0]
    else:
        scores = [_score(cells, entity) for _, cells in first]
        if not scores or max(scores) < MIN_KNOWN:
            return None
        best = scores.index(max(scores))
    number, cells = rows[best]
    header_rows, headers, last = [number], [clean_cell(c) or "" for c in cells], best
    if at is None:
        below = rows[best + 1] if best + 1 < len(rows) else None
        above = rows[best - 1] if best > 0 else None
        base = _score(headers, entity)
        if below is not None and below[0] == number + 1:
            merged = _combined(cells, below[1])
            if _score(merged, entity) > base and _score(below[1], entity) >= 1:
                header_rows, headers, last = [number, below[0]], merged, best + 1
        if len(header_rows) == 1 and above is not None and above[0] == number - 1:
            merged = _combined(above[1], cells)
            if _score(merged, entity) > base:
                header_rows, headers = [above[0], number], merged
    return LedgerTable(name, encoding, header_rows, headers, rows[last + 1 :])


def is_product_layout(name: str, rows: list[Row]) -> bool:
    """Whether a file is in the product's own layout (an export, or a file made like one): its
    first row is a header the existing import reads, with every column that import requires."""
    if not rows:
        return False
    spec = guess_entity(name, rows[0][1])
    if spec is None:
        return False
    present = set()
    for cell in rows[0][1]:
        column = spec.header_index.get(clean_cell(cell) or "") or spec.header_index.get(norm(cell))
        if column is not None:
            present.add(column.key)
    return set(REQUIRED_COLUMNS.get(spec.name, ())) <= present and spec.name in ENTITIES
