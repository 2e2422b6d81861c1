"""Migration 0017: the import templates table, up and down, on SQLite and PostgreSQL."""

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from crm.db import current_revision, downgrade, make_engine, upgrade
from tests.utils.databases import postgres_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
        yield engine
        engine.dispose()
        return
    request.getfixturevalue("postgres_template")  # skips without CRM_TEST_POSTGRES_URL
    with postgres_database("crm_templates") as engine:
        yield engine


INSERT = text(
    "INSERT INTO import_template (hub_code, name, entity, mapping, created_at, updated_at)"
    " VALUES (:hub, :name, 'consultations', '{}', '2026-12-09 10:00:00', '2026-12-09 10:00:00')"
)


def test_0017_creates_the_templates_table_with_one_name_per_hub(empty_engine):
    upgrade(empty_engine, "0016")
    assert "import_template" not in inspect(empty_engine).get_table_names()
    upgrade(empty_engine, "0017")
    assert current_revision(empty_engine) == "0017"
    indexes = {i["name"]: i for i in inspect(empty_engine).get_indexes("import_template")}
    assert indexes["ux_import_template_name"]["unique"]
    assert indexes["ux_import_template_name"]["column_names"] == ["hub_code", "name"]
    with empty_engine.begin() as connection:
        connection.execute(INSERT, {"hub": "06", "name": "相談台帳"})
        connection.execute(INSERT, {"hub": "07", "name": "相談台帳"})  # another hub's own
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(INSERT, {"hub": "06", "name": "相談台帳"})
    with pytest.raises(IntegrityError), empty_engine.begin() as connection:
        connection.execute(INSERT, {"hub": "99", "name": "存在しない拠点"})
    downgrade(empty_engine, "0016")
    assert "import_template" not in inspect(empty_engine).get_table_names()
    upgrade(empty_engine, "0017")
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM import_template")).scalar_one() == 0
