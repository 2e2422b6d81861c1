"""The monthly report as a PDF (A4 landscape, fpdf2), ready to print and file.

- every page: the title with its 「…現在」 and the issuing body (``CRM_ISSUER``, default
  全国事務局) at the top; the time the report was made (Japan time) and 「n / N」 at the foot;
- the first page: the national figures and the chart; then the prefecture table and the
  fiscal years, their headings repeated on each page;
- column headings break only between words (``heading_lines``), never leaving one character
  on a line; a heading too long for its column is shortened and explained in a legend (※).
"""

import io
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from crm.reports.fiscal_years import PROGRAMME_START
from crm.reports.monthly import (
    FONT_FILES,
    OUTSIDE_NOTE,
    RANK_NOTE,
    TITLE,
    MonthlyReport,
    japanese_font,
    prefecture_rows,
    year_rows,
)

FONT = "jp"
BODY_SIZE = 8
MARGIN = 12  # mm
PADDING = (0.6, 1.2)  # mm above and below, left and right of a table cell's text
GREY = FontFace(emphasis="BOLD", fill_color=(230, 236, 245))
# The width fpdf2 draws a cell's border with, taken from the text's room as it lays it out.
BORDER = 0.2

# The prefecture table's headings: the block, the code and the prefecture, then the same four
# measures for the fiscal year and cumulatively (a heading over each four), then the rank.
MEASURES = ("相談件数", "成約件数", "うち副業・兼業", "県外からの人材")
RANK_HEADING = "ブロック内 順位※"
RANK_LEGEND = f"※ {RANK_NOTE}"
YEAR_HEADINGS = (
    "年度",
    "集計期間",
    "相談件数",
    "成約件数",
    "うち副業・兼業",
    "県外からの人材",
    "累計 相談件数",
    "累計 成約件数",
)


class HeadingTooWide(ValueError):
    """A word of a column heading is wider than its column: it would be broken inside."""


def heading_lines(pdf: FPDF, text: str, width: float) -> str:
    """``text`` broken into lines at its spaces only, as few lines as fit ``width`` (mm) in
    the current font. Raises ``HeadingTooWide`` when one word alone does not fit."""
    room = width - 2 * PADDING[1] - BORDER
    lines: list[str] = []
    for word in text.split():
        if pdf.get_string_width(word) > room:
            raise HeadingTooWide(f"「{word}」は幅 {width:.1f} mm の見出しに収まりません")
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and pdf.get_string_width(joined) <= room:
            lines[-1] = joined
        else:
            lines.append(word)
    return "\n".join(lines)


def fitted_widths(pdf: FPDF, columns: Sequence[Sequence[str]], total: float) -> list[float]:
    """Column widths (mm) adding up to ``total``: each column at least as wide as its widest
    word (headings in bold) or value, the room left shared in proportion."""
    needed = []
    for texts in columns:
        widest = 0.0
        for text in texts:
            for word in text.split():
                widest = max(widest, pdf.get_string_width(word))
        needed.append(widest + 2 * PADDING[1] + BORDER + 1)
    spare = total - sum(needed)
    if spare < 0:
        raise HeadingTooWide(f"表の列が用紙の幅を {-spare:.1f} mm 超えます")
    return [n + spare * n / sum(needed) for n in needed]


def _shown(value: object) -> str:
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else str(value)


class ReportPDF(FPDF):
    """A4 landscape pages with the report's running head and foot."""

    def __init__(self, report: MonthlyReport):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.report = report
        for style in FONT_FILES:
            self.add_font(FONT, style, str(japanese_font(style)), collection_font_number=0)
        self.set_margins(MARGIN, MARGIN + 4, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + 4)
        self.set_title(f"{TITLE} {report.as_of_label}")
        self.set_author(report.issuer)
        self.set_creator("talent-hub-crm")

    def header(self) -> None:
        self.set_font(FONT, "", 7.5)
        self.set_text_color(90)
        self.set_xy(MARGIN, 7)
        self.cell(self.epw / 2, 5, f"{TITLE}（{self.report.as_of_label}）")
        self.cell(self.epw / 2, 5, f"発行: {self.report.issuer}", align="R")
        self.set_text_color(0)
        self.set_xy(MARGIN, MARGIN + 4)

    def footer(self) -> None:
        self.set_font(FONT, "", 7.5)
        self.set_text_color(90)
        self.set_xy(MARGIN, -10)
        third = self.epw / 3
        self.cell(third, 5, f"作成日時: {self.report.made_label}")
        # {nb}: fpdf2 writes the page count there once the document is complete.
        self.cell(third, 5, f"{self.page_no()} / {{nb}}", align="C")
        self.cell(third, 5, f"発行: {self.report.issuer}", align="R")
        self.set_text_color(0)

    def heading(self, text: str, size: float = 13) -> None:
        self.set_font(FONT, "B", size)
        self.cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", BODY_SIZE)


def _first_page(pdf: ReportPDF, chart: bytes) -> None:
    report, n = pdf.report, pdf.report.national
    pdf.add_page()
    pdf.heading(f"{TITLE}（{report.as_of_label}）", 16)
    pdf.set_font(FONT, "", 9)
    pdf.cell(0, 6, f"発行: {report.issuer}　作成日時: {report.made_label}", new_x="LMARGIN")
    pdf.ln(7)
    pdf.multi_cell(
        0,
        6,
        f"全国累計: 相談 {n.consultations:,} 件・成約 {n.placements:,} 件（うち副業・兼業 "
        f"{n.side_jobs:,} 件、県外からの人材 {n.outside:,} 件）。{report.fiscal_year_label}"
        f"（{report.fiscal_year_span}）: 相談 {n.fy_consultations:,} 件・成約 "
        f"{n.fy_placements:,} 件。",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    # The chart takes the rest of the page, its proportions kept.
    room = pdf.h - pdf.b_margin - pdf.get_y()
    pdf.image(io.BytesIO(chart), w=pdf.epw, h=room, keep_aspect_ratio=True)


def _prefecture_table(pdf: ReportPDF) -> None:
    report = pdf.report
    pdf.add_page()
    pdf.heading(f"都道府県別（{report.as_of_label}）")
    rows = [[_shown(v) for v in values] for values in prefecture_rows(report)]
    fixed = ("地域ブロック", "コード", "都道府県")
    pdf.set_font(FONT, "B", BODY_SIZE)
    widths = fitted_widths(
        pdf,
        [
            [fixed[0], *(r[0] for r in rows)],
            [fixed[1], *(r[1] for r in rows)],
            [fixed[2], *(r[2] for r in rows)],
            *([m, *(r[3 + i] for r in rows)] for i, m in enumerate(MEASURES)),
            *([m, *(r[7 + i] for r in rows)] for i, m in enumerate(MEASURES)),
            [RANK_HEADING, *(r[11] for r in rows)],
        ],
        pdf.epw,
    )
    groups = (
        f"{report.fiscal_year_label}（{report.fiscal_year_span}）",
        f"累計（{PROGRAMME_START.year}年{PROGRAMME_START.month}月〜）",
    )
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "CENTER", "LEFT", *["RIGHT"] * 8, "CENTER"),
        headings_style=GREY,
        line_height=3.8,
        padding=PADDING,
        num_heading_rows=2,
        first_row_as_headings=True,
    ) as table:
        top = table.row()
        for index, text in enumerate(fixed):
            top.cell(heading_lines(pdf, text, widths[index]), rowspan=2, align="CENTER")
        top.cell(groups[0], colspan=4, align="CENTER")
        top.cell(groups[1], colspan=4, align="CENTER")
        top.cell(heading_lines(pdf, RANK_HEADING, widths[11]), rowspan=2, align="CENTER")
        second = table.row()
        for start in (3, 7):
            for offset, measure in enumerate(MEASURES):
                second.cell(heading_lines(pdf, measure, widths[start + offset]), align="CENTER")
        pdf.set_font(FONT, "", BODY_SIZE)
        for values in rows:
            subtotal = values[1] == ""
            row = table.row(style=GREY if subtotal else None)
            for value in values:
                row.cell(value)
    pdf.ln(2)
    pdf.set_font(FONT, "", 7.5)
    pdf.multi_cell(0, 4.5, f"{RANK_LEGEND}{OUTSIDE_NOTE}", new_x="LMARGIN", new_y="NEXT")


def _year_table(pdf: ReportPDF) -> None:
    report = pdf.report
    pdf.add_page()
    pdf.heading(f"年度別の推移（{report.as_of_label}）")
    rows = [[_shown(v) for v in values] for values in year_rows(report)]
    pdf.set_font(FONT, "B", 9)
    widths = fitted_widths(
        pdf,
        [[h, *(r[i] for r in rows)] for i, h in enumerate(YEAR_HEADINGS)],
        pdf.epw,
    )
    with pdf.table(
        col_widths=widths,
        text_align=("LEFT", "LEFT", *["RIGHT"] * 6),
        headings_style=GREY,
        line_height=5.5,
        padding=PADDING,
    ) as table:
        row = table.row()
        for index, text in enumerate(YEAR_HEADINGS):
            row.cell(heading_lines(pdf, text, widths[index]), align="CENTER")
        pdf.set_font(FONT, "", 9)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(4)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(
        0,
        5,
        f"{RANK_NOTE}{OUTSIDE_NOTE}数値は全国ダッシュボード・都道府県比較と同じ集計です。",
    )


def report_pdf(report: MonthlyReport, chart: bytes) -> bytes:
    """The report's PDF: the chart, the prefecture table and the fiscal years."""
    pdf = ReportPDF(report)
    _first_page(pdf, chart)
    _prefecture_table(pdf)
    _year_table(pdf)
    return bytes(pdf.output())
