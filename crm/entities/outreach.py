"""Where firms come from before their first consultation: events a hub runs (seminars, often
with a regional bank as co-host) and introductions (a partner bringing a firm to the hub).

A consultation names the event or introduction it came from (``Consultation.event_id``,
``Consultation.introduction_id``), which is what the funnel (``crm.analytics.funnel``) follows.
"""

import datetime as dt
from typing import Annotated

from sqlalchemy import Index
from sqlmodel import AutoString, Field, SQLModel

from crm import rules
from crm.entities.declare import InputShape, Spec
from crm.entities.tracked import Tracked
from crm.reference import EventKind
from crm.timeutil import utcnow


# Shared fields: an event as the hub registers it.
class EventFields(InputShape):
    held_on: Annotated[dt.date, Spec("開催日")]
    kind: Annotated[str, Spec("種類", choices=EventKind)] = Field(
        default=EventKind.SEMINAR.value, max_length=20
    )
    title: Annotated[str, Spec("名称", typed=True)] = Field(min_length=1, max_length=200)
    venue: Annotated[str | None, Spec("会場", typed=True)] = Field(default=None, max_length=200)
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: registering or editing an event.
class EventInput(EventFields):
    pass


# Table model.
class Event(EventFields, Tracked, table=True):
    """A seminar, briefing or networking event run by a hub (co-hosts: ``EventCohost``)."""

    __tablename__ = "outreach_event"
    __table_args__ = (Index("ix_event_hub_held", "hub_code", "held_on"),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)


class EventCohost(SQLModel, table=True):
    """A partner that co-hosted an event (a regional bank, a chamber of commerce…)."""

    __tablename__ = "event_cohost"
    __table_args__ = (Index("ux_event_cohost", "event_id", "partner_id", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outreach_event.id")
    partner_id: int = Field(foreign_key="partner.id", index=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)


class EventAttendee(SQLModel, table=True):
    """A firm that attended an event (registered from a list or a file)."""

    __tablename__ = "event_attendee"
    __table_args__ = (
        Index("ux_event_attendee", "event_id", "company_id", unique=True),
        Index("ix_event_attendee_company", "company_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outreach_event.id")
    company_id: int = Field(foreign_key="company.id")
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
    created_at: dt.datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="user_account.id")


# Shared fields: a partner bringing a firm to the hub.
class IntroductionFields(InputShape):
    partner_id: Annotated[int, Spec("紹介元パートナーID", refers="partners")] = Field(
        foreign_key="partner.id", index=True
    )
    company_id: Annotated[int, Spec("企業ID", refers="companies")] = Field(
        foreign_key="company.id", index=True
    )
    introduced_on: Annotated[dt.date, Spec("紹介日", past=True)]
    notes: Annotated[str | None, Spec("備考", typed=True, lines=True)] = Field(
        default=None, max_length=rules.MAX_NOTE, sa_type=AutoString
    )


# Input shape: recording or editing an introduction.
class IntroductionInput(IntroductionFields):
    pass


# Table model.
class Introduction(IntroductionFields, Tracked, table=True):
    """An introduction: a partner (often a regional bank) brought this firm to the hub."""

    __table_args__ = (Index("ix_introduction_hub_on", "hub_code", "introduced_on"),)
    id: int | None = Field(default=None, primary_key=True)
    hub_code: str = Field(foreign_key="hub.code", max_length=2)
