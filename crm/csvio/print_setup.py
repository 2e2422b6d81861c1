"""How every workbook the product writes prints: one page setup for all of them.

A sheet printed from Excel or LibreOffice without a page setup is cut into strips of a few
columns and dozens of pages; a reader of the paper cannot tell which report or which day it
shows. So every worksheet gets, from ``apply_print_setup``:

- A4, landscape when its columns are wider than a portrait page holds, else portrait;
- fitted to one page wide (``fitToWidth=1``, ``fitToHeight=0``: as many pages tall as needed);
- its header row repeated at the top of every page, and the cell grid printed;
- a page header with the document's title on the left and its 「…現在」 on the right, and a
  page footer with the sheet's name, 「&P / &N」 and the issuing body;
- a chart sheet (an image and no table) fitted to exactly one page of its own.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from crm import timeutil

A4 = 9  # the paper code of the page setup (ECMA-376, as Excel numbers it)
# Columns (in a spreadsheet's character widths) a portrait A4 page holds at 100%: 174 mm
# printable, about 1.9 mm per character width. Wider sheets print landscape.
PORTRAIT_WIDTH = 90
# Excel's limit for a header or footer, codes included.
HEADER_LIMIT = 255
PAGE_NUMBERS = "&P / &N"


@dataclass(frozen=True)
class PageHeading:
    """What every printed page of a workbook says: the document and the day it counts to."""

    title: str  # プロフェッショナル人材戦略拠点 月次報告, 週次出力 2026-W49 …
    as_of: str  # 2020年11月末現在, 2026年12月7日 05:00現在 …
    issuer: str | None = None  # 全国事務局 (printed at the foot of each page)


def day_as_of(day: dt.date) -> str:
    """「2026年12月7日現在」."""
    return f"{day.year}年{day.month}月{day.day}日現在"


def moment_as_of(moment: dt.datetime | None = None) -> str:
    """「2026年12月7日 05:00現在」 in Japan time (now when no moment is given): the day a
    workbook of records (an export, an API answer) was made."""
    jst = timeutil.to_jst(moment) if moment is not None else timeutil.now_jst()
    return f"{jst.year}年{jst.month}月{jst.day}日 {jst:%H:%M}現在"


def _literal(text: str) -> str:
    """Text shown as written in a header: ``&`` starts a code there."""
    return text.replace("&", "&&")


def header_text(heading: PageHeading) -> str:
    title, as_of = _literal(heading.title), _literal(heading.as_of)
    room = HEADER_LIMIT - len("&L&R") - len(as_of)
    return f"&L{title[:room]}&R{as_of}"


def footer_text(heading: PageHeading) -> str:
    issuer = f"&R{_literal(heading.issuer)[:100]}" if heading.issuer else ""
    return f"&L&A&C{PAGE_NUMBERS}{issuer}"


def apply_print_setup(
    worksheet: Any, heading: PageHeading, *, width: int, header_rows: int = 1
) -> None:
    """Give an xlsxwriter ``worksheet`` the product's page setup. ``width`` is the sum of its
    column widths (characters); ``header_rows`` the rows repeated on every page (0: a chart
    sheet, fitted to one page)."""
    worksheet.set_paper(A4)
    worksheet.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.75)
    worksheet.set_header(header_text(heading), {"margin": 0.3})
    worksheet.set_footer(footer_text(heading), {"margin": 0.3})
    if header_rows == 0:
        worksheet.set_landscape()
        worksheet.fit_to_pages(1, 1)
        worksheet.center_horizontally()
        return
    if width > PORTRAIT_WIDTH:
        worksheet.set_landscape()
    else:
        worksheet.set_portrait()
    worksheet.fit_to_pages(1, 0)
    worksheet.repeat_rows(0, header_rows - 1)
    worksheet.hide_gridlines(0)  # the grid shown on screen and printed: a table on paper
