"""An event's attendee list from a file: CSV (UTF-8, UTF-8 with BOM or Shift_JIS/CP932; comma,
tab or semicolon separated) or an Excel workbook (.xlsx), as hubs get them from a seminar's
sign-up form or a co-hosting bank.

The file is read by the importer's own readers (``crm.csvio.reading.files_in``: size limits,
workbooks read in the bounded child process; ``crm.csvio.ledger_header.source_rows``: the
encodings), never by anything else. Its header is the first row, among the first ones, that
names a 法人番号 and/or 企業名 column (titles and blank lines above it are skipped); each row
below it becomes an ``AttendeeLine`` with its spreadsheet row number. Matching against the
hub's firms and the all-or-nothing write are the service's (``crm.services.outreach``).
"""

import re
import unicodedata

from sqlmodel import Session

from crm.actor import Actor
from crm.csvio.excel import UnreadableFile
from crm.csvio.ledger_header import HEADER_SEARCH_ROWS, source_rows
from crm.csvio.reading import clean_cell, files_in
from crm.services import outreach
from crm.services.outreach import AddedAttendees, AttendeeLine, AttendeePlan

MAX_BYTES = 10 * 1024 * 1024  # an attendee list is a few hundred rows; 10 MB is far beyond it
# Headers that name each column (compared without spaces, width or a trailing note in brackets).
NUMBER_HEADERS = frozenset({"法人番号", "corporatenumber", "corporate_number", "法人番号13桁"})
NAME_HEADERS = frozenset(
    {
        "企業名",
        "会社名",
        "法人名",
        "事業者名",
        "企業名称",
        "会社名称",
        "社名",
        "貴社名",
        "name",
        "company",
        "companyname",
        "company_name",
    }
)
_NOTE = re.compile(r"[（(【\[].*?[）)】\]]")


def _header_key(cell: str | None) -> str:
    text = unicodedata.normalize("NFKC", cell or "").replace("\ufeff", "")
    text = _NOTE.sub("", text)
    return re.sub(r"[\s\u3000*＊※:：]", "", text).lower()


def _columns(cells: list[str]) -> tuple[int | None, int | None]:
    number = name = None
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        if number is None and key in NUMBER_HEADERS:
            number = index
        elif name is None and key in NAME_HEADERS:
            name = index
    return number, name


def _cell(cells: list[str], index: int | None) -> str | None:
    if index is None or index >= len(cells):
        return None
    return clean_cell(cells[index])


def read_attendee_lines(content: bytes, filename: str) -> list[AttendeeLine]:
    """The rows of an attendee list (CSV or .xlsx) below its header, with their row numbers.
    Raises UnreadableFile with the reason (and how to fix it) when the file cannot be used."""
    label = filename or "アップロードしたファイル"
    if len(content) > MAX_BYTES:
        raise UnreadableFile(
            f"{label}: 参加企業の一覧としては大きすぎます（{len(content) / 1024 / 1024:,.1f} MB。"
            f"{MAX_BYTES // 1024 // 1024} MB まで）。"
        )
    for name, data in files_in(content, filename or "attendees.csv"):
        _encoding, rows = source_rows(name, data)
        for position, (_number, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
            number_at, name_at = _columns(cells)
            if number_at is None and name_at is None:
                continue
            lines = [
                AttendeeLine(row, _cell(values, number_at), _cell(values, name_at))
                for row, values in rows[position + 1 :]
            ]
            return [line for line in lines if line.corporate_number or line.name]
    raise UnreadableFile(
        f"{label}: 「法人番号」または「企業名」の列が見つかりません。"
        "1行目（見出し行）に「法人番号」「企業名」と書いた列を用意してください。"
    )


def plan_attendee_file(
    session: Session, actor: Actor, event_id: int, content: bytes, filename: str
) -> AttendeePlan:
    """Each row of the file against the event's hub's firms (「既存の企業」/「見つからない」, with
    the row number and the reason). Nothing is written."""
    outreach.get_event(session, actor, event_id)  # refused before the file is read
    lines = read_attendee_lines(content, filename)
    return outreach.plan_attendees(session, actor, event_id, lines)


def register_attendee_file(
    session: Session, actor: Actor, event_id: int, content: bytes, filename: str
) -> AddedAttendees:
    """Register every firm of the file as attending, or none (refused, naming the rows, when
    any row's firm is not found)."""
    event = outreach.get_event(session, actor, event_id)
    actor.require_write(event.hub_code)
    lines = read_attendee_lines(content, filename)
    return outreach.register_attendees(session, actor, event_id, lines)
