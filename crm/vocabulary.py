"""One vocabulary: the Japanese term for each field, kept here and nowhere else.

Forms, page tables, CSV and xlsx headers (``crm.csvio.columns``), the breakdown tables, reports
and the API take a field's name from ``TERMS``, so a field reads the same everywhere. Terms
used before the vocabulary was unified stay readable as import headers (``FORMER_TERMS``).

Medians are shown with ``days_text``: a median of an even count can end in .5, and it is shown
as such (159.5日), never rounded to even.
"""

from decimal import ROUND_HALF_UP, Decimal

# Field key (as stored) -> Japanese term.
TERMS: dict[str, str] = {
    # firms
    "name": "企業名",
    "kana": "企業名カナ",
    "corporate_number": "法人番号",
    "prefecture_code": "都道府県コード",
    "city": "市区町村",
    "industry": "業種",
    "employees": "従業員数",
    "capital_jpy": "資本金（円）",
    "notes": "備考",
    # consultations
    "consulted_on": "相談日",
    "channel": "相談経路",
    "stance": "経営姿勢",
    "summary": "相談内容",
    "next_action": "次のアクション",
    "next_action_on": "次回予定日",
    # needs
    "category": "人材区分",
    "engagement": "採用形態",
    "role_title": "役職・職種",
    "headcount": "人数",
    "salary_band": "年収帯",
    "status": "状況",
    "opened_on": "受付日",
    # referrals
    "partner": "紹介元",  # the partner a need was referred to, or that placed the hire
    "referred_on": "紹介日",
    "outcome": "結果",
    # placements
    "placed_on": "成約日",
    "age_band": "年齢層",
    "previous_residence": "前居住地",
    "previous_prefecture": "前居住地（都道府県）",
    # follow-ups
    "due_on": "予定日",
    "done_on": "実施日",
}

# Terms a field had before they were unified -> field key (still accepted as CSV headers).
FORMER_TERMS: dict[str, str] = {
    "雇用形態": "engagement",
    "前住所地": "previous_residence",
}


def term(key: str) -> str:
    """The Japanese term of field ``key`` (KeyError for a field without one)."""
    return TERMS[key]


def days_text(days: float | None) -> str:
    """A number of days as shown on pages and in reports: whole days as they are, a .5 kept
    (159.5日); any other fraction rounded half up, never half to even."""
    if days is None:
        return "—"
    halves = Decimal(str(days)) * 2
    rounded = halves.quantize(Decimal(1), rounding=ROUND_HALF_UP) / 2
    text = f"{rounded:,.1f}" if rounded % 1 else f"{int(rounded):,}"
    return f"{text}日"
