"""The API's answers as files a spreadsheet opens: ``?format=csv`` (or ``Accept: text/csv``)
and ``?format=xlsx``, with Japanese headers and labels, or with ``?codes=1`` the field names and
codes a program reads.

A table (``crm.csvio.xlsx.Sheet``: a title, typed columns, rows of plain values) is built by
``crm.api.tables`` and written here, the same table in both formats:

- CSV: UTF-8 with a byte-order mark, CRLF, text through the exports' neutraliser
  (``crm.csvio.excel.neutralise``); dates ISO, timestamps Japan time to the second; with labels
  a ratio as a percentage with one decimal (``45.7%``, which spreadsheets read as a number) and
  other fractions to one decimal, with codes the numbers as computed;
- xlsx: the exports' writer (``crm.csvio.xlsx``): typed cells, a frozen header, no formulas.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query, Request
from fastapi.responses import Response

from crm.csvio.excel import neutralise
from crm.csvio.xlsx import RATIO, XLSX_MIME, Sheet, workbook_bytes
from crm.timeutil import to_jst

JSON, CSV, XLSX = "json", "csv", "xlsx"
CSV_MIME = "text/csv"
YES, NO = "はい", "いいえ"
STAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
NO_STORE = {"Cache-Control": "no-store"}

FORMAT_NOTE = (
    "json（既定）・csv・xlsx。csv と xlsx は日本語の見出しと表示名（コードの代わりにラベル、"
    "IDの横に名前）、日時は日本時間（秒まで）。Accept: text/csv でも csv"
)
CODES_NOTE = (
    "1（true）なら csv・xlsx の見出しを項目名に、値をコードのまま（プログラム向け）。"
    "JSON は常にコード"
)


@dataclass(frozen=True)
class Wanted:
    """The answer a request asks for: its format, whether codes or labels, its file's name."""

    format: str
    codes: bool
    name: str  # the file name's stem: the endpoint's path (firms, follow-ups …)

    @property
    def file(self) -> bool:
        return self.format != JSON


def wanted(
    request: Request,
    format: Annotated[
        str | None, Query(pattern=f"^({JSON}|{CSV}|{XLSX})$", description=FORMAT_NOTE)
    ] = None,
    codes: Annotated[bool, Query(description=CODES_NOTE)] = False,
) -> Wanted:
    """The ``format`` and ``codes`` every data endpoint takes; without ``format``, the
    ``Accept`` header may ask for CSV or a workbook."""
    if format is None:
        accept = request.headers.get("accept", "")
        format = CSV if CSV_MIME in accept else XLSX if XLSX_MIME in accept else JSON
    route = request.scope.get("route")
    path = getattr(route, "path", request.url.path)
    return Wanted(format, codes, path.strip("/").replace("/", "-") or "answer")


def plain(value: Any, codes: bool) -> Any:
    """A value as a cell holds it: booleans as はい/いいえ (codes: true/false), lists joined,
    timestamps in Japan time to the second (naive, as a spreadsheet has them)."""
    if isinstance(value, bool):
        return ("true" if value else "false") if codes else (YES if value else NO)
    if isinstance(value, list | tuple | set | frozenset):
        return ("," if codes else "、").join(str(plain(item, codes)) for item in value)
    if isinstance(value, dt.datetime):
        return to_jst(value).replace(tzinfo=None, microsecond=0)
    if isinstance(value, dict):  # never written as a Python repr
        raise TypeError("nested values are flattened into columns of their own")
    return value


def _text(value: Any, kind: str, codes: bool) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dt.datetime):
        return value.strftime(STAMP_FORMAT)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not codes:
        return f"{value:.1%}" if kind == RATIO else round(value, 1)
    return value


def csv_text(table: Sheet, codes: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    kinds = [column.kind for column in table.columns]
    writer.writerow([neutralise(column.header) for column in table.columns])
    for row in table.rows:
        writer.writerow([_text(v, kind, codes) for v, kind in zip(row, kinds, strict=True)])
    return "\ufeff" + out.getvalue()


def file_answer(wanted: Wanted, table: Sheet) -> Response:
    """``table`` as the CSV or workbook ``wanted`` asks for."""
    headers = {**NO_STORE, "Content-Disposition": _attachment(f"{wanted.name}.{wanted.format}")}
    if wanted.format == XLSX:
        return Response(workbook_bytes([table]), media_type=XLSX_MIME, headers=headers)
    return Response(
        csv_text(table, wanted.codes), media_type=f"{CSV_MIME}; charset=utf-8", headers=headers
    )


def _attachment(filename: str) -> str:
    return f'attachment; filename="{filename}"'


# The file formats of an answer, for its OpenAPI entry.
FILE_CONTENT: dict[str, Any] = {
    CSV_MIME: {"schema": {"type": "string"}},
    XLSX_MIME: {"schema": {"type": "string", "format": "binary"}},
}
