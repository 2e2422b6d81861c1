"""Japanese labels for codes, and the field names forms show in messages."""

import datetime as dt

from crm.calendar_jp import day_with_weekday
from crm.presentation.text import literal
from crm.reference import JSIC_DIVISIONS, PREFECTURES, LabelledEnum
from crm.timeutil import to_jst
from crm.vocabulary import TERMS, term

# Field -> label, for messages that name a field away from its widget (e.g. a version conflict).
FIELD_LABELS = {
    "name": "企業名",
    "kana": "企業名カナ",
    "corporate_number": "法人番号",
    "prefecture_code": "都道府県",
    "city": "市区町村",
    "industry": "業種",
    "employees": "従業員数",
    "capital_jpy": "資本金（円）",
    "notes": "メモ",
    "company_id": "企業",
    "consultation_id": "相談",
    "consulted_on": "相談日",
    "channel": "相談経路",
    "summary": "相談内容",
    "stance": "攻めの経営への姿勢",
    "next_action": "次のアクション",
    "next_action_on": "次のアクション期日",
    "category_id": "人材区分",
    "engagement": term("engagement"),
    "role_title": "職種・役職",
    "headcount": "人数",
    "salary_band": term("salary_band"),
    "opened_on": "受付日",
    "status": "状態",
    "changed_on": "変更日",
    "need_id": "人材ニーズ",
    "partner_id": "紹介先",
    "referred_on": "紹介日",
    "outcome": "結果",
    "placed_on": "成約日",
    "age_band": "年齢層",
    "previous_residence": term("previous_residence"),
    "previous_prefecture": term("previous_prefecture"),
    "placement_id": "成約",
    "due_on": "期日",
    "done_on": "完了日",
    "title": "役職",
    "email": "メール",
    "phone": "電話",
    "assignee_id": "拠点担当者",
}

# A field named in crm.vocabulary reads the same in messages as on forms, tables and files; the
# form's prefecture is chosen by name, so it is 都道府県 (the files hold its code).
FIELD_LABELS |= {key: label for key, label in TERMS.items() if key != "prefecture_code"}
FIELD_LABELS |= {"partner_id": "紹介先"}

# Kept for modules written before presentation.text: the same helper under its older name.
md = literal


def enum_label(enum_type: type[LabelledEnum], code: str | None) -> str:
    return "" if code is None else enum_type.labels().get(code, code)


def enum_codes(enum_type: type[LabelledEnum]) -> list[str]:
    return list(enum_type.labels())


def prefecture_label(code: str | None) -> str:
    """A prefecture (or a hub, named after its prefecture) by name: 山形県, never 06."""
    return "" if code is None else PREFECTURES.get(code, (code,))[0]


def industry_label(code: str | None) -> str:
    """The division's name (製造業); the JSIC letter is a code, for files and forms."""
    return "" if code is None else JSIC_DIVISIONS.get(code, code)


def day(value: dt.date | None) -> str:
    return "" if value is None else f"{value:%Y/%m/%d}"


def moment(stamp: dt.datetime | None) -> str:
    """A stored moment as Japan's day with its weekday and the time: 2026/12/07（月） 20:27."""
    if stamp is None:
        return ""
    here = to_jst(stamp)
    return f"{day_with_weekday(here.date())} {here:%H:%M}"


def count(n: int, unit: str = "件") -> str:
    return f"{n:,}{unit}"
