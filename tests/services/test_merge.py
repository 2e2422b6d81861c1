"""Duplicate firms are caught before they are created, and merged with every record."""

import datetime as dt

import pytest
from sqlmodel import func, select

from crm.analytics.filters import AnalyticsFilter
from crm.analytics.national import headline_figures
from crm.errors import PermissionDenied, StaleVersion, ValidationError
from crm.models import AuditLog, Company, Consultation, Contact, FollowUp, Placement, TalentNeed
from crm.services import companies, followups, intake, merge
from tests.utils.factories import make_company, make_consultation, make_need, make_placement

VARIANTS = (
    "株式会社山形ビルメンテナンス",
    "(株)山形ビルメンテナンス",
    "株式会社　山形　ビルメンテナンス",
)


def _firm(session, actor, name, **kw):
    data = {"name": name, "prefecture_code": "01", **kw}
    return companies.create_company(session, actor, data)


def test_the_three_spellings_are_recognised_as_one_firm(session, actors):
    first = _firm(session, actors.manager01, VARIANTS[0])
    for variant in VARIANTS[1:]:
        with pytest.raises(merge.DuplicateFirm) as refused:
            _firm(session, actors.manager01, variant)
        assert [c.company_id for c in refused.value.candidates] == [first.id]
        assert "株式会社山形ビルメンテナンス（企業ID" in refused.value.fields["name"]
    assert session.exec(select(func.count()).select_from(Company)).one() == 1
    # Confirmed as another firm, it is created; the next variant then lists both.
    second = _firm(session, actors.manager01, VARIANTS[1], allow_duplicate=True)
    candidates = merge.duplicate_candidates(session, hub_code="01", name=VARIANTS[2])
    assert [c.company_id for c in candidates] == [first.id, second.id]
    # Other hubs' firms are not candidates; nor are different names.
    assert merge.duplicate_candidates(session, hub_code="02", name=VARIANTS[2]) == []
    assert merge.duplicate_candidates(session, hub_code="01", name="山形ビル") == []


def test_the_consultation_form_new_firm_path_asks_too(session, actors):
    _firm(session, actors.manager01, VARIANTS[0])
    consultation = {"consulted_on": dt.date(2026, 11, 2), "channel": "visit", "summary": "面談"}
    company = {"name": VARIANTS[2], "prefecture_code": "01"}
    with pytest.raises(ValidationError) as refused:
        intake.register_company_with_consultation(session, actors.manager01, company, consultation)
    assert "同じ企業と思われる企業" in refused.value.fields["company.name"]
    firm, _ = intake.register_company_with_consultation(
        session, actors.manager01, {**company, "allow_duplicate": True}, consultation
    )
    assert firm.name == VARIANTS[2]  # stored as typed (ideographic spaces kept)


def _history(session, actor, firm, on):
    consultation = make_consultation(session, actor, firm, on=on)
    need = make_need(session, actor, consultation)
    make_placement(session, actor, need, on=on + dt.timedelta(days=20))  # + its follow-up
    companies.add_contact(session, actor, firm.id, {"name": f"担当{firm.id}"})
    followups.schedule_follow_up(session, actor, {"company_id": firm.id, "due_on": on})


def _counts(session, model, company_id):
    return session.exec(
        select(func.count()).select_from(model).where(model.company_id == company_id)
    ).one()


MODELS = (Consultation, TalentNeed, Contact, Placement, FollowUp)


def test_a_merge_moves_every_record_and_the_dashboard_counts_stay_equal(session, actors):
    m = actors.manager01
    kept = _firm(session, m, VARIANTS[0])
    merged = _firm(session, m, VARIANTS[1], allow_duplicate=True, corporate_number="7000012050002")
    _history(session, m, kept, dt.date(2026, 4, 1))
    _history(session, m, merged, dt.date(2026, 5, 1))
    session.commit()
    expected = {
        model: _counts(session, model, kept.id) + _counts(session, model, merged.id)
        for model in MODELS
    }
    assert expected == {Consultation: 2, TalentNeed: 2, Contact: 2, Placement: 2, FollowUp: 4}
    everything = AnalyticsFilter(hubs=("01",))
    before_hub = headline_figures(session, m, everything)
    before_national = headline_figures(session, actors.secretariat)

    result = merge.merge_companies(
        session,
        m,
        keep_id=kept.id,
        keep_version=kept.version,
        merge_id=merged.id,
        merge_version=merged.version,
    )
    session.commit()

    assert result.moved == {"相談": 1, "人材ニーズ": 1, "担当者": 1, "成約": 1, "フォローアップ": 2}
    for model in MODELS:
        assert _counts(session, model, merged.id) == 0, model
        assert _counts(session, model, kept.id) == expected[model], model
    after_hub = headline_figures(session, m, everything)
    after_national = headline_figures(session, actors.secretariat)
    for before, after in ((before_hub, after_hub), (before_national, after_national)):
        assert (
            (after.consultations, after.needs_opened, after.placements)
            == (
                before.consultations,
                before.needs_opened,
                before.placements,
            )
            == (2, 2, 2)
        )
        # Two firms consulted were one firm all along.
        assert after.companies_consulted == before.companies_consulted - 1 == 1
    session.refresh(kept)
    session.refresh(merged)
    assert merged.merged_into == kept.id
    assert kept.corporate_number == "7000012050002" and merged.corporate_number is None
    # The merged firm's old address leads to the kept one; lists and search show one firm.
    assert merge.kept_company_id(session, m, merged.id) == kept.id
    assert [c.id for c in companies.search_companies(session, m, "ビルメンテナンス")] == [kept.id]
    assert (
        merge.duplicate_candidates(session, hub_code="01", name=VARIANTS[2])[0].company_id
        == kept.id
    )
    # Audited: one merge entry and an update of every moved record.
    [entry] = session.exec(select(AuditLog).where(AuditLog.action == "merge")).all()
    assert (entry.entity, entry.entity_id, entry.hub_code) == ("company", str(kept.id), "01")
    assert "相談 1件・人材ニーズ 1件・担当者 1件・成約 1件・フォローアップ 2件" in entry.detail
    moved_updates = session.exec(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.action == "update", AuditLog.changes.contains('"company_id"'))
    ).one()
    assert moved_updates == result.total == 6


def test_a_stale_version_or_another_hub_refuses_the_merge(session, actors):
    m = actors.manager01
    kept = _firm(session, m, VARIANTS[0])
    merged = _firm(session, m, VARIANTS[1], allow_duplicate=True)
    _history(session, m, merged, dt.date(2026, 5, 1))
    seen = merged.version
    companies.update_company(
        session,
        m,
        merged.id,
        {"name": VARIANTS[1], "city": "酒田市", "prefecture_code": "01"},
        seen,
    )
    session.commit()
    with pytest.raises(StaleVersion):
        merge.merge_companies(
            session,
            m,
            keep_id=kept.id,
            keep_version=kept.version,
            merge_id=merged.id,
            merge_version=seen,
        )
    session.rollback()
    assert _counts(session, Consultation, merged.id) == 1
    assert session.get(Company, merged.id).merged_into is None

    theirs = make_company(session, actors.manager02)
    for actor, other in ((actors.manager01, theirs), (actors.manager02, merged)):
        with pytest.raises(PermissionDenied):
            merge.merge_companies(
                session,
                actor,
                keep_id=kept.id,
                keep_version=kept.version,
                merge_id=other.id,
                merge_version=other.version,
            )
    with pytest.raises(PermissionDenied):
        merge.merge_companies(
            session,
            actors.secretariat,
            keep_id=kept.id,
            keep_version=kept.version,
            merge_id=merged.id,
            merge_version=merged.version,
        )
    with pytest.raises(ValidationError):
        merge.merge_companies(
            session,
            m,
            keep_id=kept.id,
            keep_version=kept.version,
            merge_id=kept.id,
            merge_version=kept.version,
        )
