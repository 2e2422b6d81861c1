"""検索 page: one box over firms, needs and consultations, kana-insensitive, in scope."""

from tests.pages.hub_helpers import links
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
