"""The small typed helpers the type checker relies on instead of ``# type: ignore``."""

import pytest
from sqlalchemy import select, update
from sqlmodel import Session, col

from crm.db import affected_rows
from crm.models import Company, Hub, Tracked, stored_id, table_of


def test_table_of_gives_the_models_core_table_and_refuses_a_mixin():
    assert table_of(Company).name == "company"
    assert "hub_code" in table_of(Company).c
    with pytest.raises(TypeError, match="Tracked is not a table model"):
        table_of(Tracked)


def test_stored_id_refuses_an_unsaved_row():
    assert stored_id(7) == 7
    with pytest.raises(ValueError, match="no id yet"):
        stored_id(Company(hub_code="01", name="未保存", prefecture_code="01").id)


def test_affected_rows_counts_what_an_update_matched(engine):
    with Session(engine) as session:
        active = session.execute(select(col(Hub.code)).where(col(Hub.active))).scalars().all()
        result = session.execute(update(Hub).where(col(Hub.active)).values(block=col(Hub.block)))
        assert affected_rows(result) == len(active) == 46
        none = session.execute(update(Hub).where(col(Hub.code) == "99").values(active=False))
        assert affected_rows(none) == 0
        with pytest.raises(TypeError):
            affected_rows(session.execute(select(col(Hub.code))))
        session.rollback()
