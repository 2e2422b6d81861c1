"""The calendar feed: the reader's open follow-ups and consultations' next actions as all-day
events (iCalendar), subscribable from Outlook or Google Calendar. Names of firms only; nothing
that identifies a hired person."""

import datetime as dt

from icalendar import Calendar, Event
from sqlmodel import Session

from crm.actor import Actor
from crm.services import consultations, followups
from crm.services.lookups import company_names
from crm.timeutil import today_jst, utcnow

# Next actions from this long ago are still shown (so the week just past stays visible).
LOOKBACK = dt.timedelta(days=30)
LIMIT = 2000


def calendar_feed(session: Session, actor: Actor, today: dt.date | None = None) -> bytes:
    today = today or today_jst()
    due = followups.list_follow_ups(session, actor, limit=LIMIT)
    actions = consultations.next_actions(session, actor, since=today - LOOKBACK, limit=LIMIT)
    names = company_names(
        session, actor, sorted({f.company_id for f in due} | {c.company_id for c in actions})
    )
    calendar = Calendar()
    calendar.add("prodid", "-//Professional Talent Hub CRM//JA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "拠点CRM 予定")
    calendar.add("x-wr-timezone", "Asia/Tokyo")
    stamp = utcnow()
    for follow_up in due:
        event = Event()
        event.add("uid", f"follow-up-{follow_up.id}@talent-hub-crm")
        event.add("summary", f"フォローアップ: {names.get(follow_up.company_id, '')}")
        event.add("dtstart", follow_up.due_on)
        event.add("dtend", follow_up.due_on + dt.timedelta(days=1))
        event.add("dtstamp", stamp)
        if follow_up.notes:
            event.add("description", follow_up.notes)
        calendar.add_component(event)
    for consultation in actions:
        if consultation.next_action_on is None:
            continue
        event = Event()
        event.add("uid", f"next-action-{consultation.id}@talent-hub-crm")
        what = consultation.next_action or "次回の予定"
        event.add("summary", f"{what}: {names.get(consultation.company_id, '')}")
        event.add("dtstart", consultation.next_action_on)
        event.add("dtend", consultation.next_action_on + dt.timedelta(days=1))
        event.add("dtstamp", stamp)
        calendar.add_component(event)
    return calendar.to_ical()
