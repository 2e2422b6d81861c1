"""The need and consultation pickers ask the database as the user types (by the firm: name,
kana or 法人番号), offer at most their limit, keep the chosen record whatever is typed, and
never offer another hub's; checked against an independent reading on SQLite and PostgreSQL."""

import datetime as dt

import pytest
from sqlmodel import Session, select

from crm.models import Company, Consultation, Placement, TalentNeed
from crm.services.lookups import consultation_choices, need_choices, placement_choices
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_placement,
)

FIRMS = ("山形精密株式会社", "庄内食品株式会社", "米沢織物株式会社")


@pytest.fixture
def world(any_engine):
    with Session(any_engine, expire_on_commit=False) as session:
        actors = make_actors(session)
        for n in range(12):
            firm = make_company(session, actors.manager01, name=f"{FIRMS[n % 3]}{n // 3}")
            consultation = make_consultation(
                session, actors.manager01, firm, on=dt.date(2025, 4, 1) + dt.timedelta(days=n)
            )
            make_need(session, actors.manager01, consultation, role_title=f"職種{n}")
        theirs = make_company(session, actors.manager02, name="山形精密株式会社（他拠点）")
        make_need(session, actors.manager02, make_consultation(session, actors.manager02, theirs))
        session.commit()
        yield session, actors


def _needs_of_firms(session, hub: str, word: str) -> set[int]:
    statement = (
        select(TalentNeed.id)
        .join(Company, Company.id == TalentNeed.company_id)
        .where(TalentNeed.hub_code == hub, Company.name.contains(word))
    )
    return set(session.exec(statement).all())


def test_typing_a_firm_offers_its_needs_only(world):
    session, actors = world
    found = need_choices(session, actors.manager01, typed="山形精密")
    assert {i for i, _ in found} == _needs_of_firms(session, "01", "山形精密")
    assert all(label.startswith("山形精密株式会社") for _, label in found)
    assert not any("#" in label for _, label in found)  # names, not numbers
    # Kana-insensitive like every firm search: 庄内 typed as it is stored.
    assert {i for i, _ in need_choices(session, actors.manager01, typed="庄内")} == (
        _needs_of_firms(session, "01", "庄内")
    )


def test_the_limit_and_the_kept_choice(world):
    session, actors = world
    every = need_choices(session, actors.manager01, limit=1000)
    assert len(every) == 12
    oldest = every[-1][0]
    few = need_choices(session, actors.manager01, limit=3)
    assert [i for i, _ in few] == [i for i, _ in every[:3]]  # newest first
    kept = need_choices(session, actors.manager01, limit=3, keep=(oldest,))
    assert [i for i, _ in kept] == [*[i for i, _ in every[:3]], oldest]
    typed = need_choices(session, actors.manager01, typed="米沢", keep=(oldest,))
    assert oldest in {i for i, _ in typed}  # the chosen one stays while typing
    # Another hub's need is never offered, even when asked to keep it.
    other = session.exec(select(TalentNeed.id).where(TalentNeed.hub_code == "02")).one()
    assert other not in {i for i, _ in need_choices(session, actors.manager01, keep=(other,))}


def test_consultations_are_found_by_their_firm(world):
    session, actors = world
    found = consultation_choices(session, actors.manager01, typed="米沢織物")
    expected = set(
        session.exec(
            select(Consultation.id)
            .join(Company, Company.id == Consultation.company_id)
            .where(Consultation.hub_code == "01", Company.name.contains("米沢織物"))
        ).all()
    )
    assert {i for i, _ in found} == expected and len(expected) == 4
    assert all("米沢織物" in label and "（" in label for _, label in found)  # 2025/04/03（木）
    assert len(consultation_choices(session, actors.manager01, limit=5)) == 5


def test_placements_are_found_by_their_firm_and_named_by_day_and_role(world):
    session, actors = world
    needs = session.exec(
        select(TalentNeed).where(TalentNeed.hub_code == "01").order_by(TalentNeed.id)
    ).all()
    for need in needs[:6]:
        make_placement(session, actors.manager01, need, on=need.opened_on)
    session.commit()
    found = placement_choices(session, actors.manager01, typed="庄内")
    expected = set(
        session.exec(
            select(Placement.id)
            .join(Company, Company.id == Placement.company_id)
            .where(Placement.hub_code == "01", Company.name.contains("庄内"))
        ).all()
    )
    assert {i for i, _ in found} == expected and len(expected) == 2
    assert all("庄内食品株式会社" in label and " / 職種" in label for _, label in found)
    assert not any("#" in label for _, label in found)
    assert placement_choices(session, actors.manager02) == []
