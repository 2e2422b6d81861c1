"""``crm report hubs`` as an Excel workbook: the prefecture comparison with Japanese headers and
typed cells (codes as text, counts as numbers, rates as percentages, dates as dates)."""

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from crm.analytics.periods import as_of_label
from crm.config import get_settings
from crm.csvio.excel import neutralise
from crm.csvio.print_setup import PageHeading, day_as_of
from crm.csvio.xlsx import COUNT, DAY, DECIMAL, NUMBER, RATIO, TEXT, Sheet, SheetColumn
from crm.targets import STATUS_LABELS
from crm.timeutil import today_jst

# CSV column -> (Japanese header, cell kind).
HEADERS: dict[str, tuple[str, str]] = {
    "hub_code": ("拠点コード", TEXT),
    "hub_name": ("拠点名", TEXT),
    "block": ("地域ブロック", TEXT),
    "since": ("期間（初日）", DAY),
    "until": ("期間（末日）", DAY),
    "consultations": ("相談件数", COUNT),
    "needs": ("人材ニーズ", COUNT),
    "placements": ("成約件数", COUNT),
    "conversion": ("成約率", RATIO),
    "cumulative_consultations": ("累計相談件数", COUNT),
    "cumulative_placements": ("累計成約件数", COUNT),
    "fiscal_year": ("目標の年度", NUMBER),
    "fy_consultations": ("年度相談件数", COUNT),
    "fy_placements": ("年度成約件数", COUNT),
    "target_status": ("目標の状態", TEXT),
    "target_consultations": ("相談目標", COUNT),
    "target_placements": ("成約目標", COUNT),
    "expected_consultations": ("按分した相談目標", DECIMAL),
    "expected_placements": ("按分した成約目標", DECIMAL),
    "consultation_progress": ("相談進捗率", RATIO),
    "placement_progress": ("成約進捗率", RATIO),
    "behind": ("遅れ（1=遅れ）", NUMBER),
    "side_job_placements": ("うち副業・兼業", COUNT),
    "outside_placements": ("県外からの人材", COUNT),
    "cumulative_side_job_placements": ("累計 うち副業・兼業", COUNT),
    "cumulative_outside_placements": ("累計 県外からの人材", COUNT),
}


def _typed(key: str, kind: str, value: object) -> object:
    if value is None or value == "":
        return None
    if key == "target_status":
        return STATUS_LABELS.get(str(value), value)
    if kind == DAY:
        return dt.date.fromisoformat(str(value))
    if kind in (COUNT, NUMBER):
        return int(str(value))
    if kind in (RATIO, DECIMAL):
        return float(str(value))
    return value


def hubs_heading(
    since: dt.date | None, as_of: dt.date | None, today: dt.date | None = None
) -> PageHeading:
    """What the printed pages of the comparison say: its period and the day it counts to
    (「都道府県比較 2020年4月1日から」, 「2020年11月末現在」), and the issuing body."""
    today = today or today_jst()
    title = "都道府県比較"
    if since is not None:
        title += f" {since.year}年{since.month}月{since.day}日から"
    shown = day_as_of(today) if as_of is None or as_of >= today else as_of_label(as_of, today)
    return PageHeading(title, shown, get_settings().issuer)


def hubs_sheet(
    columns: Sequence[str],
    rows: Sequence[Sequence[object]],
    heading: PageHeading | None = None,
) -> Sheet:
    """The table ``crm report hubs`` prints (its columns and CSV rows) as a typed sheet."""
    kinds = [HEADERS[key][1] for key in columns]
    return Sheet(
        "都道府県比較",
        [SheetColumn(HEADERS[key][0], kind) for key, kind in zip(columns, kinds, strict=True)],
        [
            [_typed(key, kind, v) for key, kind, v in zip(columns, kinds, row, strict=True)]
            for row in rows
        ],
        heading=heading,
    )


def hubs_csv_rows(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> list[list[object]]:
    """The rows ``crm report hubs`` prints as CSV: text cells through the neutraliser every
    CSV and workbook writer uses (``crm.csvio.excel.neutralise``), numbers as they are."""
    kinds = [HEADERS[key][1] for key in columns]
    return [
        [
            neutralise(value) if kind == TEXT and isinstance(value, str) else value
            for kind, value in zip(kinds, row, strict=True)
        ]
        for row in rows
    ]


def hubs_workbook_path(out: Path, since: dt.date | None, until: dt.date | None) -> Path:
    """``out`` when it names an .xlsx file, else ``out/都道府県比較_<since>_<until>.xlsx``."""
    if out.suffix.lower() == ".xlsx":
        return out
    period = f"{since or '開始'}_{until or '現在'}"
    return out / f"都道府県比較_{period}.xlsx"
