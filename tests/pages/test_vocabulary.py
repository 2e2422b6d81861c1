"""One vocabulary: the Japanese term of a field is the same in page tables, CSV headers and
report headers, and it is crm.vocabulary's; medians keep their .5."""

import datetime as dt

import pytest

from crm.analytics.breakdowns import KEY_LABELS, TITLES, Dimension
from crm.csvio.columns import ENTITIES, SUMMARY
from crm.csvio.reading import _lookup
from crm.presentation.labels import FIELD_LABELS
from crm.reference import AgeBand, Engagement, Residence, SalaryBand
from crm.reports import monthly
from crm.vocabulary import FORMER_TERMS, TERMS, days_text, term
from tests.utils.clock import pin_today
from tests.utils.factories import (
    make_company,
    make_consultation,
    make_need,
    make_placement,
)

# Which field a breakdown's key column names.
DIMENSION_FIELDS = {
    Dimension.CATEGORY: "category",
    Dimension.ENGAGEMENT: "engagement",
    Dimension.INDUSTRY: "industry",
    Dimension.AGE_BAND: "age_band",
    Dimension.RESIDENCE: "previous_residence",
    Dimension.PARTNER: "partner",
    Dimension.CHANNEL: "channel",
}
# Which field a column of a page table holds, told by its values (a column is the field whose
# labels it shows), so the check does not read the pages' own header lists.
VALUE_FIELDS = {
    "engagement": set(Engagement.labels().values()),
    "previous_residence": set(Residence.labels().values()),
    "age_band": set(AgeBand.labels().values()),
    "salary_band": set(SalaryBand.labels().values()) | {"未定"},
}
# Every name a field has been shown under (written out here, not taken from the code), to
# recognise a field in the listing pages' header rows.
KNOWN_NAMES = {
    "雇用形態": "engagement",
    "採用形態": "engagement",
    "前住所地": "previous_residence",
    "前居住地": "previous_residence",
    "想定年収": "salary_band",
    "想定年収帯": "salary_band",
    "年収帯": "salary_band",
    "年齢層": "age_band",
    "人材区分": "category",
    "人数": "headcount",
    "受付日": "opened_on",
    "成約日": "placed_on",
    "紹介元": "partner",
    "紹介パートナー": "partner",
}


# Columns that share a field name with a hub record's field but hold something else: a
# partner's and a contact person's name (not 企業名), a target's approval (not a need's 状況).
OTHER_FIELDS = {("partners", "name"), ("contacts", "name"), ("targets", "status")}


def _csv_terms() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for spec in (*ENTITIES.values(), SUMMARY):
        for column in spec.columns:
            if column.key in TERMS and (spec.name, column.key) not in OTHER_FIELDS:
                used.setdefault(column.key, set()).add(column.ja)
    return used


def _page_table_terms(frames) -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for frame in frames:
        if isinstance(frame, list):  # a listing's header row
            for title in frame:
                if title in KNOWN_NAMES:
                    used.setdefault(KNOWN_NAMES[title], set()).add(title)
            continue
        for header in frame.columns:
            values = {str(v) for v in frame[header] if v not in (None, "")}
            for key, labels in VALUE_FIELDS.items():
                if values and values <= labels:
                    used.setdefault(key, set()).add(str(header))
    return used


@pytest.fixture
def page_frames(open_page, session, actors):
    """The tables of the 成約 and 人材ニーズ pages (a hub manager) and of 内訳 (the
    secretariat), on records that show every coded field."""
    m = actors.manager01
    firm = make_company(session, m, name="山形精密株式会社")
    need = make_need(
        session,
        m,
        make_consultation(session, m, firm, on=dt.date(2026, 5, 1)),
        opened_on=dt.date(2026, 5, 1),
        headcount=2,
        salary_band="6m_8m",
    )
    make_placement(session, m, need, on=dt.date(2026, 6, 1), engagement="side_job")
    session.commit()
    frames = []
    for actor, page in (
        (m, "pages/placements.py"),
        (m, "pages/needs.py"),
        (actors.secretariat, "pages/breakdowns.py"),
    ):
        at = open_page(actor, page)
        if page.endswith("breakdowns.py"):
            at.sidebar.radio(key="af_period").set_value("全期間").run()
        assert not at.exception, page
        frames += [df.value for df in at.dataframe]
        frames += [table.value for table in at.table]
        texts = " ".join(md.value for md in at.markdown)
        for former in FORMER_TERMS:
            assert former not in texts, (page, former)
        # A list's column names (ui.listing.grid) are its header row.
        frames += [
            list(df.value.columns) for df in at.dataframe if (df.key or "").startswith("crm-table-")
        ]
    return frames


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch):
    pin_today(monkeypatch, dt.date(2026, 12, 1))


def test_page_tables_csv_and_reports_use_one_set_of_terms(page_frames):
    sources = {
        "csv": _csv_terms(),
        "breakdowns": {DIMENSION_FIELDS[d]: {label} for d, label in KEY_LABELS.items()},
        "page tables": _page_table_terms(page_frames),
    }
    # The coded fields of the listings and the breakdowns were all found on the pages.
    assert {"engagement", "previous_residence", "age_band", "salary_band", "partner"} <= set(
        sources["page tables"]
    )
    used: dict[str, set[str]] = {}
    for found in sources.values():
        for key, labels in found.items():
            used.setdefault(key, set()).update(labels)
    # One term per field, everywhere, and it is the vocabulary's.
    assert {key: labels for key, labels in used.items() if len(labels) > 1} == {}
    assert {key: labels.pop() for key, labels in used.items()} == {k: TERMS[k] for k in used}
    # Former terms appear in no header and no report column.
    headers = {column.ja for spec in ENTITIES.values() for column in spec.columns}
    report_headers = {
        header
        for spec in (monthly.PREFECTURE_COLUMNS, monthly.YEAR_COLUMNS, monthly.TREND_COLUMNS)
        for header, _kind in spec
    }
    for former in FORMER_TERMS:
        assert former not in headers | report_headers | set(TITLES.values())
    assert TITLES[Dimension.RESIDENCE] == "前居住地別の成約件数"
    assert term("engagement") == "採用形態" and term("previous_residence") == "前居住地"
    # The forms' messages name the unified fields by the same terms.
    for key in ("engagement", "previous_residence", "salary_band"):
        assert FIELD_LABELS[key] == TERMS[key]


def test_files_with_the_former_terms_still_import():
    needs = _lookup(ENTITIES["needs"])
    assert needs["雇用形態"][0].key == needs["採用形態"][0].key == "engagement"
    placements = _lookup(ENTITIES["placements"])
    assert placements["前住所地"][0].key == "previous_residence"
    assert ENTITIES["needs"].header_index["雇用形態"].key == "engagement"


def test_medians_keep_their_half_or_round_half_up():
    assert days_text(159.5) == "159.5日"
    assert days_text(110.5) == "110.5日"
    assert days_text(160.0) == "160日"
    assert days_text(1234) == "1,234日"
    assert days_text(None) == "—"


# Widget types whose label names the field the widget edits.
LABELLED = ("text_input", "text_area", "date_input", "selectbox", "number_input", "radio")


def _form_labels(at) -> dict[str, set[str]]:
    """Field -> the labels of the form widgets that edit it (widget keys end in the field)."""
    found: dict[str, set[str]] = {}
    for kind in LABELLED:
        for widget in at.get(kind):
            key = str(widget.key or "")
            field = key.rsplit(".", 1)[-1]
            if "." in key and field in TERMS and not key.startswith("contact"):  # a person
                found.setdefault(field, set()).add(widget.label.removesuffix(" *"))
    return found


def test_form_labels_use_the_vocabulary(open_page, session, actors):
    """Every form field named in crm.vocabulary is labelled with its term (with words around
    it where the form needs them: 業種（日本標準産業分類）, 新しい状況), on every form of a hub
    manager's pages."""
    m = actors.manager01
    firm = make_company(session, m, name="用語確認株式会社")
    consultation = make_consultation(session, m, firm, on=dt.date(2026, 5, 1))
    need = make_need(session, m, consultation, opened_on=dt.date(2026, 5, 1), headcount=2)
    make_placement(session, m, need, on=dt.date(2026, 6, 1))
    session.commit()
    labels: dict[str, set[str]] = {}
    for page, query in (
        ("pages/companies.py", {}),
        ("pages/companies.py", {"company": str(firm.id), "tab": "編集"}),
        ("pages/consultations.py", {}),
        ("pages/needs.py", {}),
        ("pages/needs.py", {"need": str(need.id)}),
        ("pages/placements.py", {}),
        ("pages/followups.py", {}),
    ):
        at = open_page(m, page, query=query)
        assert not at.exception, page
        for field, found in _form_labels(at).items():
            labels.setdefault(field, set()).update(found)
    # The forms were found: the fields below are edited on them.
    assert {"notes", "stance", "next_action_on", "role_title", "due_on", "done_on"} <= set(labels)
    wrong = {
        field: found
        for field, found in labels.items()
        if field != "prefecture_code"  # chosen by name on forms; files hold the code
        and any(term(field) not in label for label in found)
    }
    assert wrong == {}
