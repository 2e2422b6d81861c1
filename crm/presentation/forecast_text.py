"""Sentences about the fiscal-year forecast's own record (crm.analytics.forecast_record), shared
by the hub dashboard and the prefecture comparison so both say the same thing."""

import datetime as dt

from crm.analytics.forecast import Outlook
from crm.analytics.forecast_record import ErrorSummary, Guide, GuideRecord, PastCall

# Below this many past forecasts a "9 in 10" bound is only the largest error: say so.
NINE_IN_TEN_FROM = 10

FLAG = "遅れ"
ON_TRACK = "順調"
MEANING = (
    "「遅れ」「順調」は今日までの実績が、目標を年度の経過割合で按分した件数を下回るか"
    "どうか、見通しは過去の季節パターンから出した見込みの幅の上限が目標に届くかどうかです。"
)
BETTER = {
    Guide.FLAG: "「遅れ」「順調」の判定のほうがよい目安でした。",
    Guide.FORECAST: "見通しのほうがよい目安でした。",
    Guide.EVEN: "どちらがよい目安とも言えません。",
    Guide.FEW: "ただし件数が少なく、どちらがよい目安かはまだ言えません。",
}


def _years(years: tuple[int, ...]) -> str:
    return f"{years[0]}〜{years[-1]}年度" if years else "過去の年度"


def _share(part: int, whole: int) -> str:
    return f"{part:,} 件（{part / whole:.1%}）" if whole else "0 件"


def error_sentence(errors: ErrorSummary, as_of: dt.date) -> str:
    """「過去の同時期の予測の誤差（…）: 中央値 6.7%、10回に9回は 33.0% 以内」."""
    if errors.median is None or errors.nine_in_ten is None:
        return "過去の同じ時期の見込みがまだないため、この見込みの誤差は分かりません。"
    head = (
        f"過去の同時期の予測の誤差（{_years(errors.years)}の{as_of.month}月{as_of.day}日時点の"
        f"見込み {errors.forecasts:,} 件と年度末の実績の差）: 中央値 {errors.median:.1%}、"
    )
    if errors.forecasts < NINE_IN_TEN_FROM:
        return head + f"最大 {errors.errors[-1]:.1%}。"
    return head + f"10回に9回は {errors.nine_in_ten:.1%} 以内。"


def _met(calls: tuple[PastCall, ...]) -> str:
    return _share(sum(c.met for c in calls), len(calls))


def disagreement_sentence(behind: bool, outlook: Outlook, record: GuideRecord) -> str:
    """What the flag and the outlook mean, how often targets were met after each said what they
    say now on the same day of past years, and which has been the better guide."""
    if not record.calls:
        return f"{MEANING}過去の同じ時期に比べられる年度はまだありません。"
    flag = FLAG if behind else ON_TRACK
    flagged = tuple(c for c in record.calls if c.behind == behind)
    said = tuple(c for c in record.calls if c.outlook is outlook)
    like = record.like(behind)
    history = (
        f"{_years(record.years)}の同じ日に「{flag}」だった {len(flagged):,} 件のうち年度末に"
        f"目標を達成したのは {_met(flagged)}、「{outlook.label}」だった {len(said):,} 件では "
        f"{_met(said)}"
    )
    if like:
        history += f"、今と同じ食い違いだった {len(like):,} 件では {_met(like)}"
    return f"{MEANING}{history}。{BETTER[record.better(behind)]}"


def disagreement_head(label: str, behind: bool, outlook: Outlook) -> str:
    """「成約: 「遅れ」ですが見通しは「届く可能性あり」です。」"""
    flag = FLAG if behind else ON_TRACK
    return f"{label}: 「{flag}」ですが見通しは「{outlook.label}」です。"


def disagreement_list(label: str, behind: bool, outlook: Outlook, names: list[str]) -> str:
    """「成約: 「遅れ」ですが見通しは「届く可能性あり」の拠点（2）: 青森、岩手。」"""
    flag = FLAG if behind else ON_TRACK
    return (
        f"{label}: 「{flag}」ですが見通しは「{outlook.label}」の拠点（{len(names):,}）: "
        f"{'、'.join(names)}。"
    )
