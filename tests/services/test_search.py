"""Search as people type: kana and width folded, ㈱ = 株式会社, 五十音 order, one search box."""

import pytest
from sqlmodel import Session

from crm import search
from crm.models import Company
from crm.services import companies
from crm.textnorm import firm_name_key, search_key
from tests.utils.factories import make_actors, make_company, make_consultation, make_need


def test_hiragana_finds_the_katakana_stored_firm_and_the_reverse(session, actors):
    katakana = make_company(
        session, actors.manager01, name="山形精密株式会社", kana="ヤマガタセイミツ"
    )
    hiragana = make_company(
        session, actors.manager01, name="庄内製作所", kana="しょうないせいさくしょ"
    )
    make_company(session, actors.manager01, name="置賜工業", kana="オキタマコウギョウ")

    def found(query):
        return [c.id for c in companies.search_companies(session, actors.manager01, query)]

    assert found("やまがた") == [katakana.id]
    assert found("ヤマガタ") == [katakana.id]
    assert found("ﾔﾏｶﾞﾀ") == [katakana.id]  # half-width katakana
    assert found("ショウナイ") == [hiragana.id]
    assert found("しょうない") == [hiragana.id]
    assert companies.count_search_results(session, actors.manager01, "やまがた") == 1


def test_abbreviated_legal_forms_and_spaces_match(session, actors):
    firm = make_company(session, actors.manager01, name="株式会社山形ビルメンテナンス")
    for query in (
        "㈱山形",
        "(株)山形",
        "（株）山形ビル",
        "株式会社　山形 ビル",
        "ビルメン",
    ):
        assert [c.id for c in companies.search_companies(session, actors.manager01, query)] == [
            firm.id
        ], query


def test_search_stays_within_the_readers_hub(session, actors):
    make_company(session, actors.manager02, name="ヤマガタ商事", kana="ヤマガタショウジ")
    assert companies.search_companies(session, actors.manager01, "やまがた") == []
    assert len(companies.search_companies(session, actors.secretariat, "やまがた")) == 1


def test_firm_lists_are_in_gojuon_order_by_kana(session, actors):
    stored = [
        ("渡辺製作所", "ワタナベセイサクショ"),
        ("株式会社青木", "カブシキガイシャアオキ"),  # the legal form is not part of the order
        ("加藤商店", "かとうしょうてん"),  # hiragana, as typed
        ("斉藤工業", "ｻｲﾄｳｺｳｷﾞｮｳ"),  # half-width
        ("伊藤建設", "イトウケンセツ"),
        ("無名工房", None),  # no kana: after the others
    ]
    for name, kana in stored:
        make_company(session, actors.manager01, name=name, kana=kana)
    names = [c.name for c in companies.search_companies(session, actors.manager01)]
    assert names == ["株式会社青木", "伊藤建設", "加藤商店", "斉藤工業", "渡辺製作所", "無名工房"]


def test_gojuon_order_on_every_database(any_engine):
    with Session(any_engine) as session:
        manager = make_actors(session).manager01
        for kana in ("ワダ", "あおば", "ｶﾜｲ", "イノウエ", "アオキ"):
            make_company(session, manager, name=f"{kana}商店", kana=kana)
        kanas = [c.kana for c in companies.search_companies(session, manager)]
        # Kana is kept as typed (ｶﾜｲ) and sorted by its folded key.
        assert kanas == ["アオキ", "あおば", "イノウエ", "ｶﾜｲ", "ワダ"]


def test_renaming_a_firm_updates_its_search_key(session, actors):
    firm = make_company(session, actors.manager01, name="旧名株式会社")
    companies.update_company(
        session,
        actors.manager01,
        firm.id,
        {"name": "新庄電機株式会社", "kana": "しんじょうでんき", "prefecture_code": "01"},
        firm.version,
    )
    assert [c.id for c in companies.search_companies(session, actors.manager01, "シンジョウ")] == [
        firm.id
    ]
    assert companies.search_companies(session, actors.manager01, "旧名") == []


def test_keys_are_stored_by_every_insert_and_refreshed_for_bulk_writers(session, actors):
    firm = make_company(session, actors.manager01, name="(株)米沢織物", kana="よねざわおりもの")
    session.refresh(firm)
    assert firm.search_key == search_key("(株)米沢織物", "よねざわおりもの")
    assert firm.name_key == firm_name_key("米沢織物") == "米沢織物"
    assert firm.kana_key == "ヨネザワオリモノ"
    # A bulk writer that bypasses the services (as the demo loader does) leaves no keys…
    session.execute(
        Company.__table__.update()
        .where(Company.__table__.c.id == firm.id)
        .values(search_key=None, name_key=None, kana_key=None)
    )
    assert search.refresh_company_keys(session) == 1
    session.refresh(firm)
    assert firm.kana_key == "ヨネザワオリモノ"
    assert search.refresh_company_keys(session) == 0


def test_one_search_box_finds_firms_needs_and_consultations_in_scope(session, actors):
    firm = make_company(session, actors.manager01, name="酒田海運株式会社", kana="サカタカイウン")
    consultation = make_consultation(
        session, actors.manager01, firm, summary="社長と面談。さかた港の物流を担う人材を検討。"
    )
    need = make_need(session, actors.manager01, consultation, role_title="サカタ営業所長")
    other = make_company(session, actors.manager02, name="酒田の別会社", kana="サカタベツ")
    make_consultation(session, actors.manager02, other, summary="さかたの件")

    results = search.search_everything(session, actors.manager01, "さかた")
    assert [f.company_id for f in results.firms] == [firm.id]
    assert [n.need_id for n in results.needs] == [need.id]
    assert [c.consultation_id for c in results.consultations] == [consultation.id]
    national = search.search_everything(session, actors.secretariat, "サカタ")
    assert len(national.firms) == 2 and len(national.consultations) == 2
    assert search.search_everything(session, actors.manager01, "  ").empty
    # A page of one kind reads only that kind.
    needs_only = search.search_everything(session, actors.manager01, "さかた", offsets={"needs": 0})
    assert [n.need_id for n in needs_only.needs] == [need.id]
    assert needs_only.firms == [] and needs_only.consultations == []


@pytest.mark.parametrize(
    "name",
    [
        "株式会社山形ビルメンテナンス",
        "(株)山形ビルメンテナンス",
        "株式会社　山形　ビルメンテナンス",
    ],
)
def test_the_three_spellings_share_one_name_key(name):
    assert firm_name_key(name) == "山形ビルメンテナンス"
