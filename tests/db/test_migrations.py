"""Migrations: up from empty, down to empty and up again, and no drift from the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import crm.models  # noqa: F401
from crm.db import current_revision, downgrade, make_engine, modelled, upgrade
from tests.utils.databases import postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_template")  # skips without CRM_TEST_POSTGRES_URL
    with postgres_database("crm_empty") as engine:  # an empty database, not a migrated clone
        yield engine


def test_upgrade_from_empty_loads_reference_data(empty_engine):
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert current_revision(empty_engine) is not None
    with empty_engine.connect() as connection:
        hubs = connection.execute(
            text("SELECT count(*), sum(CASE WHEN active THEN 1 ELSE 0 END) FROM hub")
        ).one()
        tokyo = connection.execute(text("SELECT active FROM hub WHERE code = '13'")).scalar_one()
        categories = (
            connection.execute(text("SELECT name_ja FROM talent_category ORDER BY sort_order"))
            .scalars()
            .all()
        )
    assert tuple(hubs) == (47, 46)
    assert not tokyo
    assert categories == ["経営人材", "経営サポート人材", "専門人材", "販路開拓人材"]


def test_downgrade_to_empty_and_up_again(empty_engine):
    upgrade(empty_engine)
    downgrade(empty_engine, "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_engine)
    assert "consultation" in inspect(empty_engine).get_table_names()


def test_models_and_migrations_agree(empty_engine):
    """A model change without a migration shows up here as a diff."""
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": modelled})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrading_a_database_that_holds_records(empty_engine):
    """Migrations that rebuild a table on SQLite (batch mode) keep the rows that point at it."""
    from sqlalchemy import text

    from crm.db import upgrade as upgrade_to

    upgrade_to(empty_engine, "0006")
    stamp = "2026-01-01 00:00:00"
    with empty_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO company (hub_code, name, prefecture_code, created_at, updated_at,"
                " version, name_key, search_key) VALUES ('01', '札幌精機', '01', :at, :at, 1,"
                " 'さっぽろせいき', 'さっぽろせいき')"
            ),
            {"at": stamp},
        )
        connection.execute(
            text(
                "INSERT INTO consultation (hub_code, company_id, consulted_on, channel, summary,"
                " created_at, updated_at, version) SELECT '01', id, '2026-01-05', 'visit', '面談',"
                " :at, :at, 1 FROM company"
            ),
            {"at": stamp},
        )
    upgrade(empty_engine)
    with empty_engine.connect() as connection:
        joined = connection.execute(
            text("SELECT count(*) FROM consultation JOIN company ON company.id = company_id")
        ).scalar_one()
    assert joined == 1
