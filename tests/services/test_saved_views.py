"""Saved views (crm.services.saved_views): a person's named views of a list, on SQLite and
PostgreSQL; nobody else lists, opens, changes or deletes them; the default opens the list."""

import pytest
from sqlmodel import Session

from crm.errors import NotFound, ValidationError
from crm.services import saved_views
from crm.services.saved_views import (
    PER_LIST,
    default_params,
    delete_view,
    list_saved_views,
    save_view,
    set_default_view,
)
from tests.utils.factories import make_actors


@pytest.fixture
def people(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        session.commit()
        yield session, actors


def test_a_view_is_saved_listed_replaced_and_deleted(people):
    session, actors = people
    me = actors.manager01
    first = save_view(session, me, "consultations", " 訪問だけ ", "channel=visit&sort=created_at")
    save_view(session, me, "consultations", "今年度", "fy=2026")
    views = list_saved_views(session, me, "consultations")
    assert [v.name for v in views] == ["今年度", "訪問だけ"]  # by name
    assert first.params == "channel=visit&sort=created_at"
    again = save_view(session, me, "consultations", "訪問だけ", "channel=seminar")
    assert again.id == first.id and again.params == "channel=seminar"  # 上書き保存
    assert len(list_saved_views(session, me, "consultations")) == 2
    assert list_saved_views(session, me, "placements") == []
    delete_view(session, me, first.id)
    assert [v.name for v in list_saved_views(session, me, "consultations")] == ["今年度"]


def test_nobody_else_reads_changes_or_deletes_a_view(people):
    session, actors = people
    mine = save_view(session, actors.manager01, "consultations", "私の表示", "channel=visit")
    for other in (actors.manager02, actors.secretariat, actors.admin):
        assert list_saved_views(session, other, "consultations") == []
        with pytest.raises(NotFound):
            delete_view(session, other, mine.id)
        with pytest.raises(NotFound):
            set_default_view(session, other, "consultations", mine.id)
        assert default_params(session, other, "consultations") != "channel=visit"
    assert [v.id for v in list_saved_views(session, actors.manager01, "consultations")] == [mine.id]


def test_the_default_opens_the_list_else_the_role_default(people):
    session, actors = people
    me, secretariat = actors.manager01, actors.secretariat
    assert default_params(session, me, "consultations") == ""
    assert default_params(session, secretariat, "consultations") == "sort=created_at"
    a = save_view(session, me, "consultations", "A", "channel=visit", make_default=True)
    b = save_view(session, me, "consultations", "B", "channel=seminar")
    assert default_params(session, me, "consultations") == "channel=visit"
    set_default_view(session, me, "consultations", b.id)
    assert default_params(session, me, "consultations") == "channel=seminar"
    flags = {v.name: v.is_default for v in list_saved_views(session, me, "consultations")}
    assert flags == {"A": False, "B": True}  # one default per list
    with pytest.raises(NotFound):  # a view of another list is not this list's default
        set_default_view(session, me, "placements", a.id)
    set_default_view(session, me, "consultations", None)
    assert default_params(session, me, "consultations") == ""


@pytest.mark.parametrize(
    ("name", "problem"),
    [("", "名前を入力"), ("　", "名前を入力"), ("あ" * 41, "40文字以内"), ("二行\n目", "改行")],
)
def test_a_bad_name_is_refused_in_japanese(people, name, problem):
    session, actors = people
    with pytest.raises(ValidationError) as refused:
        save_view(session, actors.manager01, "consultations", name, "")
    assert problem in str(refused.value.fields["name"])
    assert list_saved_views(session, actors.manager01, "consultations") == []


def test_only_well_formed_parameters_are_kept(people):
    session, actors = people
    saved = save_view(
        session,
        actors.manager01,
        "consultations",
        "手で作ったアドレス",
        "sort=created_at&view=9&Bad-Name=1&channel=visit%2Cseminar&channel=inbound&x=",
    )
    # The last value of a name wins, names out of the pattern and the empty ones are dropped.
    assert saved.params == "channel=inbound&sort=created_at"
    with pytest.raises(ValidationError):
        save_view(session, actors.manager01, "nosuchlist", "名前", "")


def test_a_list_holds_at_most_its_share_of_views(people):
    session, actors = people
    for n in range(PER_LIST):
        save_view(session, actors.manager01, "placements", f"表示{n}", "")
    with pytest.raises(ValidationError) as refused:
        save_view(session, actors.manager01, "placements", "もう一つ", "")
    assert f"{PER_LIST}件まで" in refused.value.fields["name"]
    # Replacing one that exists is still allowed.
    assert (
        save_view(session, actors.manager01, "placements", "表示0", "fy=2025").params == "fy=2025"
    )
    assert saved_views.clean_params("fy=2025") == "fy=2025"
