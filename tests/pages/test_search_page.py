"""検索 page: one box over firms, needs and consultations, kana-insensitive, in scope."""

from tests.pages.hub_helpers import links, texts
from tests.utils.factories import make_company, make_consultation, make_need

PAGE = "pages/search.py"


def test_hiragana_finds_katakana_stored_records_of_the_own_hub(open_page, session, actors):
    firm = make_company(session, actors.manager01, name="山形精密株式会社", kana="ヤマガタセイミツ")
    consultation = make_consultation(
        session, actors.manager01, firm, summary="ヤマガタ工場の生産管理を担う人材を検討"
    )
    need = make_need(session, actors.manager01, consultation, role_title="ヤマガタ工場長")
    make_company(session, actors.manager02, name="他拠点ヤマガタ商事", kana="ヤマガタショウジ")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    assert not at.exception
    at.text_input(key="search.query").input("やまがた").run()
    assert not at.exception
    assert [s.value for s in at.subheader] == ["企業（1件）", "人材ニーズ（1件）", "相談（1件）"]
    found = {label: params for label, _page, params in links(at)}
    assert found["山形精密株式会社"] == {"company": str(firm.id)}
    assert found["ヤマガタ工場長"] == {"need": str(need.id)}
    assert "他拠点ヤマガタ商事" not in found
    assert at.query_params["q"] == ["やまがた"] or at.query_params["q"] == "やまがた"

    at.text_input(key="search.query").input("存在しない名前").run()
    assert any("一致する企業・人材ニーズ・相談はありません" in i.value for i in at.info)


def test_every_result_is_reached_by_paging(open_page, session, actors):
    """More hits than a page shows: the heading counts all of them (the database's count) and
    the pager reaches the last one."""
    firm = make_company(session, actors.manager01, name="庄内検索株式会社")
    for n in range(65):
        make_consultation(session, actors.manager01, firm, summary=f"後継者の相談{n:02d}")
    session.commit()

    at = open_page(actors.manager01, PAGE)
    at.text_input(key="search.query").input("後継者").run()
    assert not at.exception
    assert "相談（65件）" in [s.value for s in at.subheader]
    assert any("全 65 件中 1〜30 件" in c.value for c in at.caption)
    pagers = [p for p in at.get("pagination") if p.key == "search.page.consultations"]
    assert len(pagers) == 1
    at.session_state["search.page.consultations"] = 3
    at.run()
    assert not at.exception
    assert any("全 65 件中 61〜65 件" in c.value for c in at.caption)
    shown = [t for t in texts(at) if "後継者の相談" in t]
    assert len(shown) == 5
