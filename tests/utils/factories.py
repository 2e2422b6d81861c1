"""Helpers that put known rows into a test database through the services."""

import datetime as dt
from dataclasses import dataclass
from itertools import count

from sqlmodel import Session

from crm.actor import SYSTEM, Actor, actor_for
from crm.services import companies, consultations, needs, placements, reference_data, users

_serial = count(1)


@dataclass
class Actors:
    manager01: Actor
    manager02: Actor
    secretariat: Actor
    admin: Actor


def make_actors(session: Session) -> Actors:
    def make(username, role, hub=None):
        return actor_for(
            users.create_user(
                session, SYSTEM, username=username, role=role, hub_code=hub, display_name=username
            )
        )

    return Actors(
        manager01=make("manager01", "hub_manager", "01"),
        manager02=make("manager02", "hub_manager", "02"),
        secretariat=make("secretariat", "secretariat"),
        admin=make("admin", "admin"),
    )


def make_company(session: Session, actor: Actor, **overrides):
    data = {
        "name": f"テスト工業{next(_serial)}株式会社",
        "prefecture_code": actor.hub_code,
        "industry": "E",
        "employees": 50,
    }
    data.update(overrides)
    return companies.create_company(session, actor, data)


def make_partner(session: Session, name="テスト人材株式会社", kind="recruitment_agency"):
    return reference_data.create_partner(session, SYSTEM, {"kind": kind, "name": name})


def make_consultation(session: Session, actor: Actor, company, on=dt.date(2024, 5, 1), **kw):
    data = {
        "company_id": company.id,
        "consulted_on": on,
        "channel": "visit",
        "summary": "社長と面談。販路開拓の人材を検討。",
    }
    data.update(kw)
    return consultations.log_consultation(session, actor, data)


def make_need(session: Session, actor: Actor, consultation, category_id=1, **kw):
    data = {
        "company_id": consultation.company_id,
        "consultation_id": consultation.id,
        "category_id": category_id,
        "engagement": "mid_career",
        "role_title": "営業部長",
        "opened_on": consultation.consulted_on,
    }
    data.update(kw)
    return needs.open_need(session, actor, data)


def make_placement(session: Session, actor: Actor, need, on=None, **kw):
    data = {
        "need_id": need.id,
        "placed_on": on or need.opened_on,
        "age_band": "40s",
        "previous_residence": "tokyo_area",
        "salary_band": "6m_8m",
    }
    data.update(kw)
    return placements.record_placement(session, actor, data)
