"""Cached dashboard reads (ui.cache) with the analytics functions: keyed by who may see them,
and invalidated by a write made through another engine (another app process) on the same
database — SQLite and PostgreSQL."""

import datetime as dt

import pytest
import streamlit as st
from sqlalchemy import insert
from sqlmodel import Session

from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.db import make_engine
from crm.models import Consultation
from crm.services import targets
from tests.utils.factories import make_actors, make_company, make_consultation
from ui.cache import cached_read


@pytest.fixture
def app_database(any_engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", any_engine.url.render_as_string(hide_password=False))
    st.cache_data.clear()
    yield any_engine
    st.cache_data.clear()


def test_cache_is_keyed_by_scope_and_invalidated_by_any_process(app_database):
    with Session(app_database, expire_on_commit=False) as session:
        actors = make_actors(session)
        mine = make_company(session, actors.manager01)
        make_consultation(session, actors.manager01, mine, on=dt.date(2024, 5, 1))
        theirs = make_company(session, actors.manager02)
        for day in (1, 2):
            make_consultation(session, actors.manager02, theirs, on=dt.date(2024, 5, day))
        session.commit()

    def consultations(actor):
        return cached_read(headline_figures, actor, filters=AnalyticsFilter()).consultations

    # Same query, same arguments: each reader gets their own scope's entry.
    assert consultations(actors.manager01) == 1
    assert consultations(actors.manager02) == 2
    assert consultations(actors.secretariat) == 3
    assert consultations(actors.manager01) == 1

    # A row slipped in without the services (no data-version bump) is not seen: the entry
    # really is served from the cache.
    with Session(app_database) as session:
        session.execute(
            insert(Consultation).values(
                hub_code="01",
                company_id=mine.id,
                consulted_on=dt.date(2024, 6, 1),
                channel="visit",
                summary="直接挿入",
            )
        )
        session.commit()
    assert consultations(actors.manager01) == 1

    # A write through the services from another process (its own engine) raises the data
    # version: every process's cached entries for hub 01 and for national views are stale.
    other_process = make_engine(app_database.url.render_as_string(hide_password=False))
    try:
        with Session(other_process) as session:
            make_consultation(session, actors.manager01, mine, on=dt.date(2024, 7, 1))
            session.commit()
    finally:
        other_process.dispose()
    assert consultations(actors.manager01) == 3
    assert consultations(actors.secretariat) == 5
    assert consultations(actors.manager02) == 2


def test_a_target_write_invalidates_the_cached_comparison(app_database):
    from crm.analytics.comparison import hub_comparison

    with Session(app_database, expire_on_commit=False) as session:
        actors = make_actors(session)
        session.commit()
    period = AnalyticsFilter.for_fiscal_year(2024)
    today = dt.date(2024, 10, 1)

    def target_of_hub_01():
        rows = cached_read(hub_comparison, actors.secretariat, filters=period, today=today).rows
        return next(r for r in rows if r.hub_code == "01").progress.target_consultations

    assert target_of_hub_01() is None
    with Session(app_database) as session:
        targets.set_target(
            session,
            actors.secretariat,
            {"hub_code": "01", "fiscal_year": 2024, "consultations": 50, "placements": 5},
        )
        session.commit()
    assert target_of_hub_01() == 50
