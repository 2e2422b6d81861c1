"""Look-ups behind the pages' pickers, search counts, and firm + consultation intake."""

import datetime as dt

import pytest
from sqlmodel import select

from crm.errors import PermissionDenied, ValidationError
from crm.models import AuditLog, Company, Consultation
from crm.services import companies, intake, lookups, needs, placements
from crm.timeutil import today_jst
from tests.utils.factories import make_company, make_consultation, make_need, make_placement


def test_count_search_results_matches_the_search(session, actors):
    for i in range(7):
        make_company(
            session, actors.manager01, name=f"山形精密{i}株式会社", kana="ヤマガタセイミツ"
        )
    make_company(session, actors.manager01, name="別の会社")
    make_company(session, actors.manager02, name="山形精密（二拠点）")
    assert companies.count_search_results(session, actors.manager01, "精密") == 7
    assert companies.count_search_results(session, actors.manager01) == 8
    assert companies.count_search_results(session, actors.secretariat, "精密") == 8
    assert companies.count_search_results(session, actors.secretariat, "精密", hub_code="02") == 1
    page = companies.search_companies(session, actors.manager01, "精密", limit=5, offset=5)
    assert len(page) == 2


def test_grouped_corporate_number_is_found(session, actors):
    target = make_company(session, actors.manager01, corporate_number="7000012050002")
    found = companies.search_companies(session, actors.manager01, "７０００ ０１２０ ５０００２")
    assert [c.id for c in found] == [target.id]


def test_choices_and_names_stay_in_the_actors_hub(session, actors):
    mine = make_company(session, actors.manager01, name="あいう商事", kana="アイウショウジ")
    theirs = make_company(session, actors.manager02, name="かきく工業")
    consultation = make_consultation(
        session, actors.manager01, mine, on=dt.date(2025, 6, 3), summary="社長と面談"
    )
    need = make_need(session, actors.manager01, consultation, role_title="工場長")
    other_consultation = make_consultation(session, actors.manager02, theirs)
    make_need(session, actors.manager02, other_consultation)

    assert lookups.company_choices(session, actors.manager01) == [
        (mine.id, "あいう商事（アイウショウジ）")
    ]
    assert lookups.company_names(session, actors.manager01, [mine.id, theirs.id]) == {
        mine.id: "あいう商事"
    }
    assert lookups.company_names(session, actors.secretariat, [mine.id, theirs.id]) == {
        mine.id: "あいう商事",
        theirs.id: "かきく工業",
    }
    assert lookups.need_choices(session, actors.manager01) == [
        (need.id, f"あいう商事 / 工場長（受付・受付日 {need.opened_on:%Y/%m/%d}）")
    ]
    assert lookups.need_choices(session, actors.manager01, statuses=["referred"]) == []
    assert lookups.consultation_choices(session, actors.manager01) == [
        (consultation.id, "2025/06/03（火） あいう商事 – 社長と面談")
    ]
    assert lookups.consultation_company(session, actors.manager01, consultation.id) == mine.id
    assert lookups.consultation_company(session, actors.manager01, other_consultation.id) is None
    needs.move_need(session, actors.manager01, need.id, "withdrawn", need.version)
    assert lookups.need_choices(session, actors.manager01, statuses=["open", "referred"]) == []


def _consultation_data(**overrides):
    data = {"consulted_on": today_jst(), "channel": "visit", "summary": "初回訪問"}
    data.update(overrides)
    return data


def test_intake_writes_firm_and_consultation_together(session, actors):
    firm, consultation = intake.register_company_with_consultation(
        session,
        actors.manager01,
        {"name": "新規精機株式会社", "prefecture_code": "01", "corporate_number": "7123456789012"},
        _consultation_data(),
    )
    assert firm.hub_code == "01" and consultation.company_id == firm.id
    assert consultation.hub_code == "01"
    assert [c.name for c in session.exec(select(Company)).all()] == ["新規精機株式会社"]
    assert len(session.exec(select(Consultation)).all()) == 1


def test_intake_reports_both_parts_and_writes_nothing(session, actors):
    tomorrow = today_jst() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        intake.register_company_with_consultation(
            session,
            actors.manager01,
            {"name": "", "prefecture_code": "01", "corporate_number": "7123456789013"},
            _consultation_data(consulted_on=tomorrow, summary=""),
        )
    fields = error.value.fields
    assert fields["company.name"] == "必須項目です"
    assert "チェックデジット" in fields["company.corporate_number"]
    assert "未来" in fields["consulted_on"]
    assert fields["summary"] == "必須項目です"
    assert "company_id" not in fields
    assert session.exec(select(Company)).all() == []
    assert session.exec(select(AuditLog).where(AuditLog.entity == "company")).all() == []


def test_intake_duplicate_corporate_number_is_a_company_field(session, actors):
    make_company(session, actors.manager02, corporate_number="7000012050002")
    with pytest.raises(ValidationError) as error:
        intake.register_company_with_consultation(
            session,
            actors.manager01,
            {"name": "重複株式会社", "prefecture_code": "01", "corporate_number": "7000012050002"},
            _consultation_data(),
        )
    assert "既に登録" in error.value.fields["company.corporate_number"]


def test_intake_is_refused_to_the_secretariat(session, actors):
    with pytest.raises(PermissionDenied):
        intake.register_company_with_consultation(
            session,
            actors.secretariat,
            {"name": "x", "prefecture_code": "01"},
            _consultation_data(),
        )


def test_need_titles_and_placements_by_engagement_are_scoped(session, actors):
    mine = make_company(session, actors.manager01)
    need = make_need(
        session,
        actors.manager01,
        make_consultation(session, actors.manager01, mine, on=dt.date(2026, 4, 1)),
        headcount=3,
        role_title="工場長",
    )
    make_placement(session, actors.manager01, need, on=dt.date(2026, 5, 1))
    make_placement(session, actors.manager01, need, on=dt.date(2026, 6, 1), engagement="side_job")
    make_placement(session, actors.manager01, need, on=dt.date(2026, 7, 1), engagement="side_job")
    theirs = make_company(session, actors.manager02)
    their_need = make_need(
        session,
        actors.manager02,
        make_consultation(session, actors.manager02, theirs, on=dt.date(2026, 4, 1)),
    )
    make_placement(session, actors.manager02, their_need, on=dt.date(2026, 5, 1))

    assert lookups.need_titles(session, actors.manager01, [need.id, their_need.id]) == {
        need.id: "工場長"
    }
    assert lookups.placements_by_engagement(session, actors.manager01) == {
        "mid_career": 1,
        "secondment": 0,
        "side_job": 2,
    }
    assert lookups.placements_by_engagement(
        session, actors.manager01, since=dt.date(2026, 6, 1), until=dt.date(2026, 6, 30)
    ) == {"mid_career": 0, "secondment": 0, "side_job": 1}
    assert lookups.placements_by_engagement(session, actors.secretariat)["mid_career"] == 2
    placed = {p.id: p.need_id for p in placements.list_placements(session, actors.secretariat)}
    mine_ids = [pid for pid, nid in placed.items() if nid == need.id]
    other_ids = [pid for pid, nid in placed.items() if nid == their_need.id]
    found = lookups.placement_needs(session, actors.manager01, mine_ids + other_ids)
    assert found == dict.fromkeys(mine_ids, need.id)


def test_lookups_and_intake_on_postgres_and_sqlite(any_engine):
    from sqlmodel import Session

    from tests.utils.factories import make_actors

    with Session(any_engine) as session:
        actors = make_actors(session)
        firm, consultation = intake.register_company_with_consultation(
            session,
            actors.manager01,
            {
                "name": "山形精密株式会社",
                "kana": "ヤマガタセイミツ",
                "prefecture_code": "06",
                "corporate_number": "7123456789012",
            },
            _consultation_data(),
        )
        need = make_need(session, actors.manager01, consultation, role_title="工場長")
        placement = make_placement(session, actors.manager01, need, engagement="side_job")
        session.commit()
        assert companies.count_search_results(session, actors.manager01, "ヤマガタ") == 1
        assert companies.count_search_results(session, actors.manager01, "7123 4567") == 1
        assert lookups.find_companies(session, actors.manager01, "精密")[0] == 1
        assert lookups.company_choices(session, actors.manager01) == [
            (firm.id, "山形精密株式会社（ヤマガタセイミツ）")
        ]
        assert lookups.need_choices(session, actors.manager01) == [
            (need.id, f"山形精密株式会社 / 工場長（成約・受付日 {need.opened_on:%Y/%m/%d}）")
        ]
        assert [
            cid
            for cid, _ in lookups.consultation_choices(
                session, actors.manager01, company_id=firm.id
            )
        ] == [consultation.id]
        assert lookups.placements_by_engagement(session, actors.secretariat)["side_job"] == 1
        assert lookups.placement_needs(session, actors.manager01, [placement.id]) == {
            placement.id: need.id
        }
        assert lookups.placement_choices(session, actors.manager02) == []


def test_the_firm_picker_offers_what_the_typed_text_finds(session, actors):
    m = actors.manager01
    firms = [
        make_company(session, m, name=f"山形精密{i:02d}株式会社", kana=f"ヤマガタセイミツ{i:02d}")
        for i in range(12)
    ]
    other = make_company(session, m, name="米沢織物株式会社", kana="ヨネザワオリモノ")
    make_company(session, actors.manager02, name="山形精密（二拠点）")

    # Few firms: every one, in 五十音 order (ヤ… before ヨ…).
    everything = lookups.firm_choices(session, m, limit=20)
    assert (everything.total, everything.shortened) == (13, False)
    assert [i for i, _ in everything.choices] == [f.id for f in firms] + [other.id]
    # Typed text (hiragana for katakana kana): the indexed search, capped, with the total.
    typed = lookups.firm_choices(session, m, "やまがたせいみつ", limit=5)
    assert (typed.total, len(typed.choices), typed.shortened) == (12, 5, True)
    assert [i for i, _ in typed.choices] == [f.id for f in firms[:5]]
    # More firms than the cap and nothing typed: the ones changed last.
    companies.update_company(
        session, m, firms[7].id, {"name": firms[7].name, "prefecture_code": "01"}, 1
    )
    recent = lookups.firm_choices(session, m, limit=3)
    assert recent.total == 13 and recent.choices[0][0] == firms[7].id
    # The chosen firm stays offered whatever is typed; another hub's firm never is.
    kept = lookups.firm_choices(session, m, "米沢", keep=(firms[3].id,))
    assert [i for i, _ in kept.choices] == [firms[3].id, other.id]
    assert (kept.total, kept.matched, kept.kept_beyond, kept.shortened) == (1, 1, 1, False)
    # Capped and a kept firm beyond the cap: the page says how many matches it shows.
    capped = lookups.firm_choices(session, m, "やまがたせいみつ", keep=(firms[9].id,), limit=5)
    # (firms[7] lost its kana above, so its name no longer matches the hiragana.)
    assert (capped.total, capped.matched, capped.kept_beyond, capped.shortened) == (11, 5, 1, True)
    assert capped.choices[0][0] == firms[9].id
    none = lookups.firm_choices(session, m, "存在しない会社")
    assert (none.total, none.choices) == (0, ())
