"""What a record sets in motion, written once: every path that writes (forms, file import,
CLI, the demo loader) calls these plain functions and writes what they return.

- A need opens with a first step of its history (受付).
- A referral moves an open need to 紹介中 on the referral's date.
- The placement that fills a need's headcount moves it to 成約 on the placement's date.
- A placement schedules a follow-up 90 days later, moved to the next business day.
- Each step of a need's history carries the note of what caused it, the same on every path.
"""

import datetime as dt
from dataclasses import dataclass

from crm import rules
from crm.calendar_jp import follow_up_due
from crm.reference import NeedStatus

REFERRED_NOTE = "パートナーへ紹介"
PLACED_NOTE = "成約登録"
FOLLOW_UP_NOTE = "成約後フォローアップ"


@dataclass(frozen=True)
class Step:
    """One dated step of a need along its pipeline (a row of its history)."""

    from_status: str | None
    to_status: str
    on: dt.date
    note: str | None = None

    def row(self, need_id: object, hub_code: str) -> dict[str, object]:
        """The history row of this step (``need_id`` may be a key of a plan)."""
        return {
            "hub_code": hub_code,
            "need_id": need_id,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "changed_on": self.on,
            "note": self.note,
        }


def opened(status: str, opened_on: dt.date) -> Step:
    """The first step of a new need (受付, or the status a file gives it)."""
    return Step(None, status, opened_on)


def after_referral(need_status: str, referred_on: dt.date) -> Step | None:
    """An open need becomes 紹介中 when it is referred; a need further along stays."""
    if need_status != NeedStatus.OPEN.value:
        return None
    return Step(need_status, NeedStatus.REFERRED.value, referred_on, REFERRED_NOTE)


def after_placement(
    need_status: str, headcount: int, placements: int, placed_on: dt.date
) -> Step | None:
    """The need becomes 成約 once ``placements`` (this one included) fill its headcount."""
    if placements < headcount or need_status == NeedStatus.PLACED.value:
        return None
    return Step(need_status, NeedStatus.PLACED.value, placed_on, PLACED_NOTE)


def moved(
    need_status: str, target: str, placements: int, on: dt.date, note: str | None = None
) -> Step:
    """A move a person asked for (the need's page, a file's 状況): ValidationError when the
    pipeline does not allow it (``rules.need_move``)."""
    rules.require(rules.need_move(need_status, target, placements))
    return Step(need_status, target, on, note)


def follow_up_after(placed_on: dt.date) -> dict[str, object]:
    """The follow-up a placement schedules: due 90 days later on a business day."""
    return {"due_on": follow_up_due(placed_on), "done_on": None, "notes": FOLLOW_UP_NOTE}
