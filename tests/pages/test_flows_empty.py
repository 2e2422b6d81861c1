"""人材還流マップ on an empty database: no exception, a clear message, zero figures."""

PAGE = "pages/flows.py"


def test_the_flow_page_on_an_empty_database(open_page, actors):
    for actor in (actors.secretariat, actors.manager01):
        at = open_page(actor, PAGE)
        assert not at.exception and not at.error
        assert {m.label: m.value for m in at.metric}["成約件数"] == "0"
        assert any("この条件の成約はありません" in i.value for i in at.info)
