"""Every field and cross-record rule of the hub records, written once.

Each rule is a plain function over plain values (no session, no Streamlit) that returns the
refused fields: field -> Japanese reason, empty when the values pass. The services gather the
values (rows they read), call the rules and raise ``ValidationError`` through ``require``; the
CSV importer calls the same functions with the values of its rows (stored or in the same
import) and lists each reason against the row's column. So a value refused on one path is
refused on every path, for the same field, with the same words.

Field checks of single values (required, lengths, codes, dates not in the future, the
corporate number's check digit) live in the input shapes of ``crm.entities``, which
forms and importer also share; these are the rules that need more than one value or record.
"""

import datetime as dt
from collections.abc import Iterable

from crm.errors import ValidationError
from crm.reference import NEED_TRANSITIONS, NeedStatus
from crm.timeutil import today_jst

Errors = dict[str, str]

# The ids a hub record may carry: PostgreSQL's INTEGER primary keys (and their sequences) end
# here, so no id above it can exist or be imported.
MAX_ID = 2_147_483_647

# --- bounds of single values (every boundary: forms, CSV/xlsx import, CLI) -------------------

# The earliest date a record may carry: the start of fiscal year 2015, the programme's first
# (its hubs opened in January 2016); anything earlier is a typing or spreadsheet error.
EARLIEST_DATE = dt.date(2015, 4, 1)
# How far ahead a planned date (a next action, a follow-up) may lie.
YEARS_AHEAD = 10
# Whole numbers a firm may carry: employees up to a million, capital up to 100 trillion yen
# (both well inside their columns; 1e30, 2**63 and negatives are refused).
MAX_EMPLOYEES = 1_000_000
MAX_CAPITAL_JPY = 100_000_000_000_000  # a BIGINT column (migration 0007)
MAX_HEADCOUNT = 1_000
# Free text: the longest a note, summary or next action may be (names have their column's).
MAX_NOTE = 4_000
MAX_NEXT_ACTION = 1_000
MAX_COMMENT = 2_000
# A comment's author may edit or delete it for this long (a slip caught at once); after that it
# stands as written, like the rest of the record's history.
COMMENT_EDIT_MINUTES = 15


def latest_date(today: dt.date | None = None) -> dt.date:
    """The latest date any record may carry: ``YEARS_AHEAD`` years after today (JST)."""
    today = today or today_jst()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date_range_reason(day: dt.date, today: dt.date | None = None) -> str | None:
    """The reason a date lies outside the programme's plausible range, or None."""
    last = latest_date(today)
    if EARLIEST_DATE <= day <= last:
        return None
    return (
        f"{EARLIEST_DATE:%Y年%-m月%-d日}から{last:%Y年%-m月%-d日}までの日付を入力してください"
        f"（入力: {day.year:04d}年{day.month}月{day.day}日）"
    )


def merge(*results: Errors) -> Errors:
    """The reasons of several rules, the first reason of each field kept."""
    merged: Errors = {}
    for result in results:
        for name, reason in result.items():
            merged.setdefault(name, reason)
    return merged


def require(*results: Errors) -> None:
    """Raise ``ValidationError`` naming every refused field, if any rule refused one."""
    merged = merge(*results)
    if merged:
        raise ValidationError(merged)


def not_a_choice(value: object) -> str:
    """The reason for a coded value (経路, 雇用形態, 状態, …) that is none of the choices."""
    return f"選択肢にない値です: {value}"


# --- firms --------------------------------------------------------------------------------------


def corporate_number_free(
    number: str | None,
    owner: tuple[int, str] | None,
    hub_code: str | None,
    company_id: int | None = None,
) -> Errors:
    """A corporate number belongs to one firm. ``owner`` is (id, hub) of the firm that holds
    ``number`` already, if any; ``company_id`` the firm being saved (None: a new firm)."""
    if number is None or owner is None or owner[0] == company_id:
        return {}
    owner_id, owner_hub = owner
    if owner_hub != hub_code:
        return {
            "corporate_number": (
                f"この法人番号は他の拠点の企業（企業ID {owner_id}）として既に登録されています"
            )
        }
    return {"corporate_number": f"この法人番号は既に登録されています（企業ID {owner_id}）"}


def firm_not_merged(name: str, kept: tuple[int, str] | None, field: str = "company_id") -> Errors:
    """A firm merged into another takes no new or changed record, on any path: its records
    would be invisible on the kept firm's page and the firm counted twice. ``kept`` is (id,
    name) of the firm it now lives on (None: not merged)."""
    if kept is None:
        return {}
    kept_id, kept_name = kept
    return {
        field: (
            f"企業「{name}」は「{kept_name}」（企業ID {kept_id}）に統合されています。"
            "統合先の企業に記録してください。"
        )
    }


# --- consultations --------------------------------------------------------------------------


def consultation_of_needs(
    company_id: int,
    consulted_on: dt.date,
    need_companies: Iterable[int],
    first_opened: dt.date | None,
) -> Errors:
    """A consultation that needs were opened from (``need_companies``: their firms,
    ``first_opened``: the earliest opening) stays with that firm and before those needs: the
    mirror of ``need_consultation`` for an edited consultation."""
    if any(need_company != company_id for need_company in need_companies):
        return {"company_id": "この相談から開いた人材ニーズがあるため、別の企業には変更できません"}
    if first_opened is not None and consulted_on > first_opened:
        return {
            "consulted_on": (
                f"この相談から開いた人材ニーズの受付日（{first_opened.isoformat()}）より後の日付です"
            )
        }
    return {}


def consultation_source(
    company_id: int,
    hub_code: str,
    event_id: int | None,
    introduction_id: int | None,
    event: tuple[str, bool] | None = None,
    introduced_company: int | None = None,
) -> Errors:
    """Where a consultation's firm came from (issue 28): at most one of an event and an
    introduction. ``event`` is (hub, whether the firm attended it) of ``event_id``, None when
    no such event exists; ``introduced_company`` the firm ``introduction_id`` introduced, None
    when no such introduction exists. The event is of the consultation's hub and the firm
    attended it; the introduction is of the same firm."""
    if event_id is not None and introduction_id is not None:
        return {"event_id": "きっかけはセミナー・イベントか紹介のどちらか一つだけを選んでください"}
    if event_id is not None:
        if event is None:
            return {"event_id": f"セミナー・イベント（ID {event_id}）は登録されていません"}
        event_hub, attended = event
        if event_hub != hub_code:
            return {"event_id": "他の拠点のセミナー・イベントです"}
        if not attended:
            return {
                "event_id": "この企業はこのセミナー・イベントの参加企業に登録されていません"
                "（先に参加企業として登録してください）"
            }
    if introduction_id is not None:
        if introduced_company is None:
            return {"introduction_id": f"紹介（ID {introduction_id}）は登録されていません"}
        if introduced_company != company_id:
            return {"introduction_id": "別の企業の紹介です"}
    return {}


# --- talent needs -------------------------------------------------------------------------------


def known_category(value: object, found: bool, names: Iterable[str]) -> Errors:
    """A need's talent category must be one of the registered ones."""
    if found:
        return {}
    return {"category_id": f"人材区分にない値です: {value}（{'／'.join(names)}）"}


def need_consultation(
    company_id: int,
    opened_on: dt.date | None,
    consultation_company_id: int,
    consulted_on: dt.date,
) -> Errors:
    """A need opened from a consultation: the consultation is the same firm's, and the need
    is not opened before the consultation took place."""
    if consultation_company_id != company_id:
        return {"consultation_id": "別の企業の相談です"}
    if opened_on is not None and opened_on < consulted_on:
        return {"opened_on": "元の相談日より前の日付です"}
    return {}


def need_move(current: str | None, target: str, placements: int) -> Errors:
    """A need's pipeline move from ``current`` (None: a need being created) to ``target``.

    Moves follow ``NEED_TRANSITIONS``; and a need becomes 成約 only with a placement recorded
    for it (``placements``: how many it has, counting those being recorded with the move), so
    every 成約 has its record."""
    to = NeedStatus(target)
    if current is not None:
        before = NeedStatus(current)
        if to not in NEED_TRANSITIONS[before]:
            return {"status": f"「{before.label}」から「{to.label}」には移せません"}
    if to == NeedStatus.PLACED and current != to.value and placements < 1:
        return {
            "status": "成約にするには、このニーズの成約を登録してください（成約の記録がありません）"
        }
    return {}


def need_before_its_records(
    opened_on: dt.date, first_referred: dt.date | None, first_placed: dt.date | None
) -> Errors:
    """An edited need is not opened after its own referrals or placements (the mirror of
    ``after_need_opened``)."""
    earliest = min((d for d in (first_referred, first_placed) if d is not None), default=None)
    if earliest is not None and opened_on > earliest:
        return {
            "opened_on": f"このニーズの紹介日・成約日（{earliest.isoformat()}）より後の日付です"
        }
    return {}


# --- referrals and placements -------------------------------------------------------------------


def after_need_opened(field: str, day: dt.date | None, opened_on: dt.date) -> Errors:
    """A referral, placement or status step is not dated before its need was opened."""
    if day is not None and day < opened_on:
        return {field: "ニーズの受付日より前の日付です"}
    return {}


def referral_to_need(need_status: str) -> Errors:
    """A withdrawn need is referred to no one."""
    if need_status == NeedStatus.WITHDRAWN.value:
        return {"need_id": "取り下げ済みのニーズは紹介できません"}
    return {}


def placement_for_need(need_status: str) -> Errors:
    """A withdrawn need gets no placement."""
    if need_status == NeedStatus.WITHDRAWN.value:
        return {"need_id": "取り下げ済みのニーズには成約を登録できません"}
    return {}


def partner_known(partner_id: int | None, found: bool) -> Errors:
    """A referral or placement names a registered partner (or, for a placement, none)."""
    if partner_id is None or found:
        return {}
    return {"partner_id": f"パートナー（ID {partner_id}）は登録されていません"}


# --- follow-ups ---------------------------------------------------------------------------------


def follow_up_target(
    company_id: int | None, placement_id: int | None, placement_company_id: int | None = None
) -> Errors:
    """A follow-up is about a firm or a placement (then about the placement's firm)."""
    if company_id is None and placement_id is None:
        return {"company_id": "企業または成約を選んでください"}
    if (
        company_id is not None
        and placement_company_id is not None
        and company_id != placement_company_id
    ):
        return {"placement_id": "別の企業の成約です"}
    return {}


# --- references by id ---------------------------------------------------------------------------


def record_id(value: int) -> Errors:
    """An id given for a record (e.g. in an import file) is a positive database id."""
    if not 1 <= value <= MAX_ID:
        return {"id": f"IDは1以上{MAX_ID}以下の整数です"}
    return {}
