"""Small tables (already aggregated by crm.analytics) shaped for charts and st.dataframe,
with Japanese column names."""

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from crm.analytics.breakdowns import Breakdown
from crm.analytics.comparison import HubComparison, HubComparisonRow
from crm.analytics.forecast import HubForecast, Outlook
from crm.analytics.targets import TargetProgress
from crm.analytics.tilemap import tiles
from crm.analytics.trend import TrendPoint
from crm.targets import STATUS_LABELS

TREND_COLUMNS = {
    "month": "月",
    "consultations": "相談",
    "contracts": "成約",
    "cumulative_consultations": "累計相談",
    "cumulative_contracts": "累計成約",
}


def trend_frame(points: list[TrendPoint]) -> pd.DataFrame:
    """English column names, as charts.cumulative_trend_chart expects."""
    return pd.DataFrame([p.__dict__ for p in points], columns=list(TREND_COLUMNS))


def breakdown_frame(result: Breakdown) -> pd.DataFrame:
    total = result.total
    return pd.DataFrame(
        {
            "区分": [row.label for row in result.rows],
            "件数": [row.count for row in result.rows],
            "割合": [row.count / total if total else 0.0 for row in result.rows],
        }
    )


def progress_status(progress: TargetProgress | None) -> str:
    if progress is None:
        return "休止中の拠点"
    if progress.target_status is None:
        return "目標未設定"
    if not progress.approved:
        return STATUS_LABELS[progress.target_status]
    return "⚠ 遅れ" if progress.behind else "順調"


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


@dataclass(frozen=True)
class Measure:
    label: str
    value: Callable[[HubComparisonRow], float | None]
    chart_format: str  # d3 format for the map legend and tooltip


MEASURES: dict[str, Measure] = {
    "placements": Measure("成約件数（期間）", lambda r: r.placements, ",d"),
    "consultations": Measure("相談件数（期間）", lambda r: r.consultations, ",d"),
    "needs_opened": Measure("人材ニーズ（期間）", lambda r: r.needs_opened, ",d"),
    "conversion": Measure("成約率（期間）", lambda r: r.conversion, ".1%"),
    "cumulative_consultations": Measure("累計相談件数", lambda r: r.cumulative_consultations, ",d"),
    "cumulative_placements": Measure("累計成約件数", lambda r: r.cumulative_placements, ",d"),
    "consultation_progress": Measure(
        "相談目標の進捗率",
        lambda r: None if r.progress is None else r.progress.consultation_progress,
        ".0%",
    ),
    "placement_progress": Measure(
        "成約目標の進捗率",
        lambda r: None if r.progress is None else r.progress.placement_progress,
        ".0%",
    ),
}


def tile_frame(comparison: HubComparison, measure: str) -> pd.DataFrame:
    chosen = MEASURES[measure]
    values = {row.hub_code: chosen.value(row) for row in comparison.rows if row.active}
    return pd.DataFrame(
        [
            {
                "code": t.code,
                "都道府県": t.name,
                "label": t.label,
                "column": t.column,
                "row": t.row,
                "has_hub": t.has_hub,
                "value": t.value,
                "状態": "拠点あり" if t.has_hub else "拠点なし",
            }
            for t in tiles(values, set(values))
        ]
    )


def comparison_frame(comparison: HubComparison) -> pd.DataFrame:
    """One row per hub; progress and conversion in percent (sortable numbers)."""
    records = []
    for row in comparison.rows:
        p = row.progress
        records.append(
            {
                "コード": row.hub_code,
                "拠点": row.hub_name,
                "地域ブロック": row.block,
                "相談": row.consultations,
                "人材ニーズ": row.needs_opened,
                "成約": row.placements,
                "うち副業・兼業": row.side_job_placements,
                "県外からの人材": row.outside_placements,
                "成約率": _percent(row.conversion),
                "累計相談": row.cumulative_consultations,
                "累計成約": row.cumulative_placements,
                "累計 うち副業・兼業": row.cumulative_side_job_placements,
                "累計 県外からの人材": row.cumulative_outside_placements,
                "年度相談": p.consultations if p else None,
                "年度成約": p.placements if p else None,
                "相談目標": p.target_consultations if p else None,
                "成約目標": p.target_placements if p else None,
                "相談進捗率": _percent(p.consultation_progress) if p else None,
                "成約進捗率": _percent(p.placement_progress) if p else None,
                "状況": progress_status(p),
            }
        )
    return pd.DataFrame(records)


def progress_frame(rows: list[TargetProgress], hub_names: dict[str, str]) -> pd.DataFrame:
    """Long table for charts.target_progress_chart (hubs with an approved target)."""
    records = []
    for p in rows:
        for measure, ratio, behind in (
            ("相談", p.consultation_progress, p.behind_consultations),
            ("成約", p.placement_progress, p.behind_placements),
        ):
            if ratio is not None:
                records.append(
                    {
                        "拠点": f"{p.hub_code} {hub_names.get(p.hub_code, '')}",
                        "指標": measure,
                        "進捗率": ratio,
                        "状況": "遅れ" if behind else "順調",
                    }
                )
    return pd.DataFrame(records, columns=["拠点", "指標", "進捗率", "状況"])


def targets_frame(rows: list[TargetProgress], hub_names: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "コード": p.hub_code,
                "拠点": hub_names.get(p.hub_code, p.hub_code),
                "状態": STATUS_LABELS.get(p.target_status or "", "未設定"),
                "相談目標": p.target_consultations,
                "成約目標": p.target_placements,
                "相談実績": p.consultations,
                "成約実績": p.placements,
                "相談（按分目標）": p.expected_consultations,
                "成約（按分目標）": p.expected_placements,
                "相談進捗率": _percent(p.consultation_progress),
                "成約進捗率": _percent(p.placement_progress),
                "状況": progress_status(p),
            }
            for p in rows
        ]
    )


# What an analyst reads first about each hub, beside its name: the target, the progress, the
# delay and the outlook; then the period's and the cumulative counts.
ANALYST_FIRST = (
    "拠点",
    "状況",
    "相談目標",
    "成約目標",
    "相談進捗率",
    "成約進捗率",
    "年度末成約見込み",
    "成約見込みの幅",
    "成約目標の見通し",
)


def analyst_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The prefecture comparison as a table shows it: the hub's name first (no code), the
    columns an analyst reads first next to it, the rest after."""
    first = [c for c in ANALYST_FIRST if c in frame.columns]
    rest = [c for c in frame.columns if c not in first and c != "コード"]
    return frame[first + rest]


def with_forecast(frame: pd.DataFrame, forecasts: list[HubForecast]) -> pd.DataFrame:
    """``comparison_frame`` with the fiscal-year-end placement forecast per hub: expected
    value, interval and the outlook (crm.analytics.forecast: 達成 even without a forecast)."""
    by_hub = {f.hub_code: f.placements for f in forecasts}

    def cells(code: str) -> tuple[float | None, str, str]:
        m = by_hub.get(code)
        if m is None:
            return None, "—", ""
        p, outlook = m.projection, m.outlook
        flag = {
            Outlook.MET: outlook.label,
            Outlook.OUT_OF_REACH: f"⚠ {outlook.label}",
            Outlook.WITHIN_REACH: outlook.label,
        }.get(outlook, "")
        if p.expected is None or p.low is None:
            return None, "—", flag
        high = "上限なし" if p.high is None else f"{p.high:,.0f}"
        return round(p.expected, 1), f"{p.low:,.0f}〜{high}", flag

    values = [cells(code) for code in frame["コード"]] if len(frame) else []
    return frame.assign(
        年度末成約見込み=[v[0] for v in values],
        成約見込みの幅=[v[1] for v in values],
        成約目標の見通し=[v[2] for v in values],
    )
