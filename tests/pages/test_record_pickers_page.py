"""On the pages, the need picker (成約を登録) and the consultation picker (新しい人材ニーズ) are
narrowed by what is typed in their search boxes, from the database."""

import datetime as dt

from tests.utils.factories import make_company, make_consultation, make_need


def _fill(session, actors):
    for name in ("山形精密株式会社", "庄内食品株式会社"):
        firm = make_company(session, actors.manager01, name=name)
        for n in range(3):
            consultation = make_consultation(
                session, actors.manager01, firm, on=dt.date(2025, 5, 1 + n), summary=f"{name}{n}"
            )
            make_need(session, actors.manager01, consultation, role_title=f"{name[:2]}職{n}")
    session.commit()


def _options(at, label: str) -> list[str]:
    return list(next(s for s in at.selectbox if s.label == label).options)


def test_the_need_picker_searches_as_one_types(open_page, session, actors):
    _fill(session, actors)
    at = open_page(actors.manager01, "pages/placements.py")
    assert len(_options(at, "人材ニーズ *")) == 6
    at.text_input(key="placement_new.need_id.query").input("庄内").run()
    assert not at.exception
    options = _options(at, "人材ニーズ *")
    assert len(options) == 3 and all(o.startswith("庄内食品株式会社 / ") for o in options)


def test_the_consultation_picker_searches_as_one_types(open_page, session, actors):
    _fill(session, actors)
    at = open_page(actors.manager01, "pages/needs.py")
    assert len(_options(at, "元の相談 *")) == 6
    at.text_input(key="need_new.consultation_id.query").input("山形").run()
    assert not at.exception
    options = _options(at, "元の相談 *")
    assert len(options) == 3 and all("山形精密株式会社" in o for o in options)
