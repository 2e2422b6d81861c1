"""A record list's current view (its filters, order and shown columns) as a CSV file or an
xlsx workbook, written by the export's own writers (``crm.csvio.export`` renders the CSV,
``crm.csvio.xlsx`` turns it into a sheet), so a view's file reads like every other export:
the same headers, names beside codes, dates, Japan-time stamps and neutralised formulas.

The rows are the view's rows in its order, read a page at a time through
``crm.services.record_views`` (so the scope is the reader's, as on the screen)."""

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from sqlmodel import Session

from crm.actor import Actor
from crm.csvio.columns import ENTITIES, Column, EntitySpec
from crm.csvio.excel import DEFAULT_ENCODING, EncodingRefused, Unencodable
from crm.csvio.export import Scratch, _check_options, _lookups, _render
from crm.csvio.xlsx import _csv_sheet, workbook_bytes
from crm.errors import CrmError
from crm.services.base import record_audit
from crm.services.record_views import SPECS, ViewQuery, count_view, view_rows
from crm.timeutil import now_jst

# Beyond this a view is a national table: the 書き出し page writes those in keyset pages.
MAX_ROWS = 50_000
CHUNK = 1_000
FORMATS = ("csv", "xlsx")
# A list's column named otherwise in the export files.
ALIASES = {"company": "company_name", "hub": "hub_code", "partner": "partner_name"}


@dataclass(frozen=True)
class ViewFile:
    name: str
    data: bytes
    rows: int
    mime: str


class ViewTooLarge(CrmError):
    pass


def view_columns(list_name: str, shown: Sequence[str]) -> tuple[Column, ...]:
    """The export's columns for the list's shown columns, in their order (a shown column the
    export files do not carry, such as a computed 状況, is left out)."""
    spec = ENTITIES[list_name]
    by_key = {c.key: c for c in spec.columns}
    picked = [by_key[ALIASES.get(key, key)] for key in shown if ALIASES.get(key, key) in by_key]
    return tuple(dict.fromkeys(picked))  # once each, in the list's order


def _pages(session: Session, actor: Actor, list_name: str, view: ViewQuery, hubs: Sequence[str]):
    offset = 0
    while True:
        page = replace(view, limit=CHUNK, offset=offset)
        rows = view_rows(session, actor, list_name, page, hubs)
        if not rows:
            return
        yield rows
        for row in rows:
            session.expunge(row)  # memory stays flat in the view's size
        offset += len(rows)


def export_view(
    session: Session,
    actor: Actor,
    list_name: str,
    view: ViewQuery,
    shown: Sequence[str],
    *,
    file_format: str = "csv",
    hubs: Sequence[str] = (),
    encoding: str = DEFAULT_ENCODING,
) -> ViewFile:
    """The view's every row (not only the page on screen) in ``file_format``; audited as an
    export. Refused (``ViewTooLarge``) beyond ``MAX_ROWS`` rows, before anything is read."""
    if list_name not in SPECS or list_name not in ENTITIES:
        raise CrmError("この一覧は書き出せません。")
    if file_format not in FORMATS:
        raise CrmError(f"形式は {' / '.join(FORMATS)} のいずれかです: {file_format}")
    _check_options(encoding, "ja")
    columns = view_columns(list_name, shown)
    if not columns:
        raise CrmError("書き出せる列がありません。表示する列を選んでください。")
    total = count_view(session, actor, list_name, view, hubs)
    if total > MAX_ROWS:
        raise ViewTooLarge(
            f"この表示は{total:,}件あります。一覧からの書き出しは{MAX_ROWS:,}件までです。"
            "年度や期間で絞り込むか、「書き出し」ページの全件出力をお使いください。"
        )
    spec: EntitySpec = replace(ENTITIES[list_name], columns=columns, header_index={})
    problems: list[Unencodable] = []
    scratch = Scratch()
    try:
        pages: Iterable[list] = _pages(session, actor, list_name, view, hubs)
        rendered = _render(scratch, spec, pages, "ja", encoding, _lookups(session), problems)
        if problems:
            raise EncodingRefused(problems)
        stamp = now_jst()
        stem = f"{spec.label}_{stamp:%Y%m%d_%H%M}"
        if file_format == "csv":
            result = ViewFile(f"{stem}.csv", rendered.data, rendered.rows, "text/csv")
        else:
            with rendered.open() as source:
                data = workbook_bytes([_csv_sheet(spec.label[:31], spec, source, encoding)])
            mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            result = ViewFile(f"{stem}.xlsx", data, rendered.rows, mime)
    finally:
        scratch.remove()
    record_audit(
        session,
        actor,
        "export",
        entity="view",
        hub_code=hubs[0] if len(hubs) == 1 else actor.hub_code,
        detail=json.dumps(
            {
                "list": list_name,
                "format": file_format,
                "rows": result.rows,
                "columns": [c.key for c in columns],
                "view": _described(view),
            },
            ensure_ascii=False,
        ),
    )
    return result


def _described(view: ViewQuery) -> dict:
    def plain(value):
        return value.isoformat() if isinstance(value, dt.date) else value

    return {
        "order": view.order,
        "descending": view.descending,
        "since": plain(view.since),
        "until": plain(view.until),
        "fiscal_year": view.fiscal_year,
        "chosen": {key: list(codes) for key, codes in view.chosen},
    }
