"""Saved views on a record list (ui.saved_views over crm.services.saved_views): save the view
you are looking at, find it in the menu after opening the list again, open it from the menu,
make it the default so the list opens in it, delete it; and write the view to a file whose
rows are the view's. The rows are checked against what the database holds for the view."""

import datetime as dt

from sqlmodel import select

from crm.models import SavedView
from tests.pages.hub_helpers import open_panel, open_saving, texts
from tests.utils.factories import make_company, make_consultation

PAGE = "pages/consultations.py"
MENU = "保存した表示"


def _fill(session, actors):
    firm = make_company(session, actors.manager01, name="表示保存株式会社")
    for n, channel in enumerate(["visit", "seminar", "visit", "inbound", "seminar", "visit"]):
        make_consultation(
            session,
            actors.manager01,
            firm,
            on=dt.date(2025, 4, 1) + dt.timedelta(days=20 * n),
            channel=channel,
            summary=f"相談{n}",
        )
    session.commit()


def _summaries(at) -> list[str]:
    return [t for t in texts(at) if t.startswith("相談") and t[2:].isdigit()]


def _menu(at):
    return next(s for s in at.selectbox if s.label == MENU)


def _save(at, name: str, default: bool = False):
    open_saving(at, "consultations")
    at.text_input(key="consultations.view.save.view_name").input(name)
    if default:
        at.checkbox(key="consultations.view.save.default").check()
    submit = next(b for b in at.button if b.label == "保存")
    return submit.click().run()


def test_save_a_view_and_open_it_again(open_page, session, actors):
    _fill(session, actors)
    at = open_page(actors.manager01, PAGE)
    open_panel(at, "consultations")
    at.multiselect(key="consultations.view.channel").select("visit").run()
    assert _summaries(at) == ["相談5", "相談2", "相談0"]
    at = _save(at, "訪問だけ")
    assert not at.exception
    assert any("表示「訪問だけ」を保存しました" in s.value for s in at.success)
    stored = session.exec(select(SavedView)).one()
    assert (stored.name, stored.params, stored.list_name) == (
        "訪問だけ",
        "channel=visit",
        "consultations",
    )
    assert _menu(at).value == stored.id  # the view on screen is the saved one

    # A new tab: the list opens in its default view; the saved one is in the menu.
    at = open_page(actors.manager01, PAGE)
    assert len(_summaries(at)) == 6
    menu = _menu(at)
    assert menu.value == 0 and "訪問だけ" in menu.options
    menu.set_value(stored.id).run()
    assert not at.exception
    assert _summaries(at) == ["相談5", "相談2", "相談0"]
    assert at.query_params["channel"] in ("visit", ["visit"])


def test_the_default_view_opens_the_list_and_can_be_deleted(open_page, session, actors):
    _fill(session, actors)
    at = open_page(actors.manager01, PAGE, query={"channel": "seminar", "order": "asc"})
    at = _save(at, "セミナー", default=True)
    assert not at.exception
    at = open_page(actors.manager01, PAGE)  # no view in the address: the default opens
    assert _summaries(at) == ["相談1", "相談4"]
    assert any(b.label == "既定を解除" for b in at.button)
    # Another person's list is not touched by it.
    other = open_page(actors.manager02, PAGE)
    assert not other.exception and _summaries(other) == []
    next(b for b in at.button if b.label == "この表示を削除").click().run()
    assert not at.exception
    assert session.exec(select(SavedView)).all() == []
    assert any("「セミナー」を削除しました" in s.value for s in at.success)


def test_a_bad_name_is_refused_and_nothing_is_saved(open_page, session, actors):
    _fill(session, actors)
    at = open_page(actors.manager01, PAGE)
    at = _save(at, "   ")
    assert not at.exception
    assert any("名前を入力してください" in e.value for e in at.error)
    assert session.exec(select(SavedView)).all() == []


def test_export_the_view_on_screen(open_page, session, actors):
    _fill(session, actors)
    at = open_page(
        actors.manager01, PAGE, query={"channel": "visit", "cols": "consulted_on,summary"}
    )
    assert not [b for b in at.button if b.label == "ファイルを作成"]  # built when opened
    at.session_state["consultations.view.export.open"] = True
    at.run()
    next(b for b in at.button if b.label == "ファイルを作成").click().run()
    assert not at.exception
    download = next(b for b in at.get("download_button") if "ダウンロード（3件）" in b.proto.label)
    assert download.proto.label.startswith("ダウンロード")
