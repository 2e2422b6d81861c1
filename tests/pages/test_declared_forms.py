"""Forms drawn from the declarations (ui.fields): a field declared on an input shape appears on
its form with its term, its widget and its bounds, its refusal under it; the firm form is one
component, the same on the 企業 page (register and edit) and on the 相談記録 page."""

import datetime as dt
from typing import Any

from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from crm.entities import CompanyFields, declared
from crm.reference import Channel
from crm.timeutil import today_jst
from tests.pages.hub_helpers import message_under, submit
from tests.utils.factories import make_company


def _visit_form():
    """A script drawing the form of a small input shape of its own, with no field list: every
    declared field is drawn, as a field declared later would be."""
    import datetime as dt
    from typing import Annotated

    import streamlit as st
    from sqlmodel import Field

    from crm.entities import CodeList, InputShape, Spec
    from crm.reference import Channel
    from crm.validation import parse_input
    from ui import form_state as fs
    from ui.fields import FieldSet

    class VisitInput(InputShape):
        company_id: Annotated[int, Spec("企業ID", refers="companies")]
        visited_on: Annotated[dt.date, Spec("訪問日", past=True)]
        channel: Annotated[str | None, Spec("相談経路", choices=Channel, note="会った経路")] = (
            Field(default=None, max_length=40)
        )
        guests: Annotated[int, Spec("参加人数", unit="人")] = Field(default=2, ge=1, le=50)
        topic: Annotated[str, Spec("話題", typed=True)] = Field(min_length=1, max_length=30)
        minutes: Annotated[str | None, Spec("議事録", typed=True, lines=True)] = Field(
            default=None, max_length=2000
        )
        urgent: Annotated[bool, Spec("至急")] = False
        # A code from a list, chosen by name; the form calls it by what it is.
        area: Annotated[
            str | None,
            Spec(
                "訪問先コード",
                codes=CodeList(("06", "01"), {"06": "山形県", "01": "北海道"}.get, term="訪問先"),
            ),
        ] = Field(default=None, max_length=2)

    fields = FieldSet(VisitInput)
    with fs.form("visit"):
        fields.draw("visit")
        fs.feedback("visit", fields.labels())
        fs.submit_button(
            "visit",
            "保存",
            lambda _s: parse_input(VisitInput, {"company_id": 1, **fields.values("visit")}),
            "保存しました。",
            lambda saved: st.session_state.__setitem__("saved", saved.model_dump()),
        )


WIDGETS = ("text_input", "text_area", "selectbox", "number_input", "date_input", "checkbox")


def _in_order(node):
    if isinstance(node, Block):
        for child in node.children.values():
            yield from _in_order(child)
    else:
        yield node


def _widgets(at: AppTest, prefix: str) -> dict[str, Any]:
    """Field -> its widget, in the order the page draws them, for the widgets whose keys start
    with ``prefix``."""
    return {
        str(node.key).removeprefix(prefix): node
        for node in _in_order(at.main)
        if node.type in WIDGETS and str(getattr(node, "key", "") or "").startswith(prefix)
    }


def test_a_declared_field_appears_with_its_term_widget_and_bounds(app_env):
    at = AppTest.from_function(_visit_form, default_timeout=30).run()
    assert not at.exception
    widgets = _widgets(at, "visit.")
    # Every declared field but the id of another record (a page's picker chooses that).
    assert list(widgets) == [
        "visited_on",
        "channel",
        "guests",
        "topic",
        "minutes",
        "urgent",
        "area",
    ]
    assert {field: (w.type, w.label) for field, w in widgets.items()} == {
        "visited_on": ("date_input", "訪問日 *"),
        "channel": ("selectbox", "相談経路"),
        "guests": ("number_input", "参加人数 *"),
        "topic": ("text_input", "話題 *"),
        "minutes": ("text_area", "議事録"),
        "urgent": ("checkbox", "至急"),
        "area": ("selectbox", "訪問先"),
    }
    visited, channel, guests = widgets["visited_on"], widgets["channel"], widgets["guests"]
    assert visited.value == today_jst() and visited.proto.format == "YYYY/MM/DD"
    assert channel.options == ["未選択", *Channel.labels().values()]
    assert channel.value is None and channel.help == "会った経路"
    assert (guests.min, guests.max, guests.value) == (1, 50, 2)
    assert widgets["topic"].proto.max_chars == 30
    assert widgets["area"].options == ["未選択", "山形県", "北海道"]

    # What the form holds goes to the input shape; its refusals come back under the fields.
    widgets["visited_on"].set_value(today_jst() + dt.timedelta(days=3))
    submit(at, "保存")
    assert not at.exception
    assert message_under(at, "visit.visited_on") == "未来の日付は入力できません"
    assert message_under(at, "visit.topic") == "必須項目です"
    assert message_under(at, "visit.guests") is None
    assert "saved" not in at.session_state

    widgets = _widgets(at, "visit.")
    widgets["visited_on"].set_value(dt.date(2026, 4, 1))
    widgets["channel"].select("seminar")
    widgets["topic"].input("後継者の採用")
    widgets["minutes"].input("一行目\n二行目")
    widgets["urgent"].check()
    widgets["area"].select("01")
    submit(at, "保存")
    assert not at.exception
    assert at.session_state["saved"] == {
        "company_id": 1,
        "visited_on": dt.date(2026, 4, 1),
        "channel": "seminar",
        "guests": 2,
        "topic": "後継者の採用",
        "minutes": "一行目\n二行目",
        "urgent": True,
        "area": "01",
    }


def _firm_form(widgets: dict[str, Any]) -> list[tuple]:
    return [
        (
            field,
            w.type,
            w.label,
            w.help,
            getattr(w, "options", None),
            getattr(w, "min", None),
            getattr(w, "max", None),
            w.proto.max_chars if w.type == "text_input" else None,
        )
        for field, w in widgets.items()
    ]


def test_the_firm_form_is_one_component_showing_every_declared_field(open_page, session, actors):
    firm = make_company(session, actors.manager01, name="同じ形株式会社")
    session.commit()
    register = open_page(actors.manager01, "pages/companies.py")
    edit = open_page(
        actors.manager01, "pages/companies.py", query={"company": str(firm.id), "tab": "編集"}
    )
    consult = open_page(actors.manager01, "pages/consultations.py")
    consult.radio(key="consult.mode").set_value("new").run()
    for at in (register, edit, consult):
        assert not at.exception

    registering = _widgets(register, "company_new.")
    editing = _widgets(edit, f"company_edit.{firm.id}.")
    with_consultation = {
        field.removeprefix("company."): widget
        for field, widget in _widgets(consult, "consult.").items()
        if field.startswith("company.")
    }
    # Every field CompanyFields declares, in its order; registering also confirms a look-alike.
    fields = [item.name for item in declared(CompanyFields)]
    assert list(registering) == list(with_consultation) == [*fields, "allow_duplicate"]
    assert list(editing) == fields
    assert _firm_form(registering) == _firm_form(with_consultation)
    assert _firm_form(editing) == _firm_form(registering)[:-1]

    labels = {field: w.label for field, w in registering.items()}
    assert labels["name"] == "企業名 *" and labels["corporate_number"] == "法人番号"
    assert labels["prefecture_code"] == "都道府県 *"  # chosen by name; the file holds the code
    assert registering["employees"].type == "number_input"
    assert (registering["employees"].min, registering["employees"].max) == (0, 1_000_000)
    assert registering["notes"].type == "text_area"
    assert registering["industry"].help == "日本標準産業分類の大分類 A〜T"
    # A new firm starts in the hub's own prefecture, on both pages.
    assert registering["prefecture_code"].value == with_consultation["prefecture_code"].value
    assert registering["prefecture_code"].value == actors.manager01.hub_code
