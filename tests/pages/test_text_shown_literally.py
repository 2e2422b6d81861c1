"""Data is shown as text: records whose every text field carries a Markdown or HTML payload are
opened on every page that shows them, and no payload turns into an image, a link, a heading,
emphasis, a colour or a formula anywhere (titles, captions, message boxes, grid cells, tables,
tabs, expanders, page links, metrics, buttons).

Each Markdown body the page sends is read twice: by markdown-it (CommonMark with tables and
strikethrough: an independent parser) for the CommonMark constructs, and by patterns for
Streamlit's own extensions (``:red[…]``, ``$…$``, bare links, shortcodes), which the browser
test (tests/browser/test_hostile_text.py) checks in Chromium as well.
"""

import dataclasses
import datetime as dt
import html
import re

import pytest
from markdown_it import MarkdownIt

from crm.presentation.text import ZERO_WIDTH_SPACE, literal
from crm.services import followups, needs
from crm.timeutil import today_jst
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)
from tests.utils.hostile_text import PAYLOADS

COMMONMARK = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# What a payload could become if it were read as Markdown.
FORBIDDEN_HTML = re.compile(r"<(img|a|h[1-6]|code|pre|del|s|blockquote|ul|ol|table|hr)[\s>/]")
STREAMLIT_EXTENSIONS = [
    re.compile(r"(?<!\\):[a-z-]+\[colour"),  # :red[colour] colours text
    re.compile(r"(?<!\\)\$x\^2(?<!\\)\$"),  # $x^2$ is LaTeX
    re.compile(r"https?://|www\.|\w@\w"),  # bare links (remark-gfm autolinks)
    re.compile(r":streamlit:"),  # the Streamlit logo shortcode (an image)
]


@dataclasses.dataclass
class Seeded:
    companies: list[int]
    needs: list[int]


@pytest.fixture
def seeded(session, actors) -> Seeded:
    """One firm per payload, every text of its records carrying that payload: firm (name, kana,
    city, notes), consultation (summary, next action due today), need (role title, notes),
    partner (name), referral and placement (notes), follow-up due today (notes)."""
    today = today_jst()
    company_ids, need_ids = [], []
    for i, payload in enumerate(PAYLOADS):
        firm = make_company(
            session, actors.manager01, name=payload, kana=payload, city=payload, notes=payload
        )
        consultation = make_consultation(
            session,
            actors.manager01,
            firm,
            on=today - dt.timedelta(days=3),
            summary=payload,
            next_action=payload,
            next_action_on=today,
        )
        need = make_need(session, actors.manager01, consultation, role_title=payload, notes=payload)
        partner = make_partner(session, name=f"{payload} {i}")
        needs.refer_need(
            session,
            actors.manager01,
            {"need_id": need.id, "partner_id": partner.id, "referred_on": today, "notes": payload},
        )
        make_placement(session, actors.manager01, need, on=today, partner_id=partner.id)
        followups.schedule_follow_up(
            session, actors.manager01, {"company_id": firm.id, "due_on": today, "notes": payload}
        )
        company_ids.append(firm.id)
        need_ids.append(need.id)
    session.commit()
    return Seeded(company_ids, need_ids)


def markdown_bodies(at) -> list[str]:
    """Every string the page sends that Streamlit renders as Markdown."""
    bodies = []
    for kind in (
        "markdown",
        "title",
        "header",
        "subheader",
        "caption",
        "info",
        "success",
        "warning",
        "error",
        "toast",
    ):
        bodies += [element.value for element in getattr(at, kind)]
    bodies += [e.label for e in at.get("expandable")]
    bodies += [t.label for t in at.tabs]
    bodies += [link.value for link in at.get("page_link")]
    bodies += [m.label for m in at.metric]
    bodies += [b.label for b in at.button]
    for table in at.table:
        bodies += [str(cell) for cell in table.value.to_numpy().ravel()]
    return [b for b in bodies if isinstance(b, str)]


def plain_cells(at) -> list[str]:
    """Cells of st.dataframe (drawn as plain text, never Markdown)."""
    return [str(c) for frame in at.dataframe for c in frame.value.to_numpy().ravel()]


def shown_text(body: str) -> str:
    rendered = COMMONMARK.render(body)
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    return text.replace(ZERO_WIDTH_SPACE, "").replace("\u00a0", " ")


def assert_shown_literally(at, expected: list[str]) -> None:
    assert not at.exception, [e.value for e in at.exception]
    bodies = markdown_bodies(at)
    for body in bodies:
        rendered = COMMONMARK.render(body)
        assert not FORBIDDEN_HTML.search(rendered), (body, rendered)
        for strong in re.findall(r"<(?:strong|em)>(.*?)</", rendered):
            assert "bold" not in strong, body
        for pattern in STREAMLIT_EXTENSIONS:
            assert not pattern.search(body), (pattern.pattern, body)
    texts = [shown_text(body) for body in bodies] + plain_cells(at)
    for payload in expected:
        assert any(payload in text for text in texts), f"{payload!r} is not shown on the page"


# (who, page, query, which payloads the page must show: None = all of them, i = the i-th)
LIST_PAGES = [
    ("manager01", "pages/companies.py", {}),
    ("manager01", "pages/consultations.py", {}),
    ("manager01", "pages/needs.py", {"status": "placed"}),  # the seeded needs are placed
    ("manager01", "pages/placements.py", {}),
    ("manager01", "pages/followups.py", {}),
    ("manager01", "pages/hub_dashboard.py", {}),
    ("secretariat", "pages/companies.py", {}),
    ("secretariat", "pages/needs.py", {"status": "placed"}),
    ("admin", "pages/admin_reference.py", {}),
    ("admin", "pages/audit.py", {}),
]


@pytest.mark.parametrize(("who", "page", "query"), LIST_PAGES, ids=lambda v: str(v))
def test_list_pages_show_every_payload_as_text(open_page, actors, seeded, who, page, query):
    at = open_page(getattr(actors, who), page, query=query)
    # Lists, grids and tables each show at least the firm names or the partner names.
    expected = [] if page in {"pages/admin_reference.py", "pages/audit.py"} else PAYLOADS
    assert_shown_literally(at, expected)


@pytest.mark.parametrize("index", range(len(PAYLOADS)), ids=PAYLOADS)
def test_a_firm_and_its_need_show_their_payload_as_text(open_page, actors, seeded, index):
    payload = PAYLOADS[index]
    at = open_page(
        actors.manager01, "pages/companies.py", query={"company": str(seeded.companies[index])}
    )
    assert at.title[0].value == literal(payload)
    assert_shown_literally(at, [payload])
    assert [t.label for t in at.tabs][:2] == ["タイムライン", "企業情報"]

    at = open_page(actors.manager01, "pages/needs.py", query={"need": str(seeded.needs[index])})
    assert at.title[0].value.startswith(literal(payload))
    assert_shown_literally(at, [payload])
    for expander in at.get("expandable"):  # the referral's outcome form names the partner
        if expander.label.startswith("紹介の結果"):
            assert literal(f"{payload} {index}") in expander.label

    at = open_page(
        actors.manager01, "pages/followups.py", query={"company": str(seeded.companies[index])}
    )
    assert_shown_literally(at, [payload])


def test_a_display_name_is_shown_as_text(open_page, actors, seeded):
    payload = PAYLOADS[0]
    manager = dataclasses.replace(actors.manager01, display_name=payload)
    at = open_page(manager, "pages/hub_dashboard.py")
    assert any(literal(payload) in caption.value for caption in at.sidebar.caption)
    assert_shown_literally(at, [payload])


@pytest.mark.parametrize(
    "text",
    [
        *PAYLOADS,
        "1. first\n2) second\n- item\n+ item\n> quote\n    code\n\n===\nline\n---",
        "`code` ~~gone~~ | a | b |\n|---|---|\n<b>bold</b> &amp; &lt;",
        "[^1]: footnote\n<https://example.invalid>",
    ],
)
def test_literal_round_trips_through_an_independent_markdown_parser(text):
    """The helper itself: what markdown-it shows for ``literal(text)`` is ``text``, with no
    markup at all (line breaks stay line breaks)."""
    body = literal(text)
    rendered = COMMONMARK.render(body)
    assert not FORBIDDEN_HTML.search(rendered), rendered
    assert not re.search(r"<(strong|em|b)>", rendered), rendered
    shown = shown_text(body).strip()
    assert [line.strip() for line in shown.splitlines() if line.strip()] == [
        line.strip() for line in text.splitlines() if line.strip()
    ]
