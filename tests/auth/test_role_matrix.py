"""Role × action matrix over every service function that takes an actor.

Five actors act on hub 01's records: manager01 (their own hub), manager02 (another hub's),
the secretariat, an administrator and a partner's account (of the partner hub 01 referred a
need to, and shared it with). Each pair either works (and a write leaves its audit entries) or
is refused with PermissionDenied (and writes nothing, not even an audit entry). Scoped lists
never refuse the hubs' people: they show hub 01's data exactly to those who may read hub 01;
a partner is refused every hub record, list and figure, and reaches only its own shared
referrals (``partner_portal``).

A completeness test fails when a service function that takes an actor has no row here, so a
new service cannot skip the matrix.
"""

import contextlib
import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlmodel import Session, select

from crm.actor import SYSTEM, Actor, actor_for
from crm.analytics import funnel as analytics_funnel
from crm.analytics import partner_table as analytics_partner_table
from crm.analytics import targets as analytics_targets
from crm.analytics.filters import AnalyticsFilter
from crm.auth import api_tokens
from crm.errors import PermissionDenied
from crm.models import (
    Company,
    Consultation,
    Contact,
    Event,
    FollowUp,
    Hub,
    Introduction,
    KpiTarget,
    Partner,
    Placement,
    Referral,
    TalentCategory,
    TalentNeed,
    UserAccount,
)
from crm.services import (
    assignments,
    audit,
    comments,
    companies,
    consultations,
    followups,
    intake,
    lookups,
    merge,
    needs,
    notifications,
    outreach,
    partner_portal,
    placements,
    record_history,
    record_views,
    reference_data,
    saved_views,
    submissions,
    targets,
    timeline,
    today,
    users,
)
from crm.services.outreach import AttendeeLine
from crm.timeutil import fiscal_year, today_jst
from tests.auth.audit_check import new_entries, snapshot, unaudited
from tests.utils.databases import postgres_database, sqlite_copy
from tests.utils.factories import (
    make_actors,
    make_company,
    make_consultation,
    make_need,
    make_partner,
    make_placement,
)

try:  # CSV export/import (another part of the app); rows are added when it is present
    from crm.csvio import attendee_file, ledger_import, ledger_templates, view_export
    from crm.csvio import export as csv_export
    from crm.csvio import importer as csv_import
    from crm.csvio.ledger_mapping import LedgerMapping
except ImportError:  # pragma: no cover
    csv_export = csv_import = None

HUB_PEOPLE = ("manager01", "manager02", "secretariat", "admin")
ACTORS = (*HUB_PEOPLE, "partner")
DAY = dt.date(2024, 6, 3)
TODAY_ITEMS = DAY + dt.timedelta(days=35)  # follow1 is overdue then, cons1's next action due
FY = fiscal_year(today_jst())

# Policies: who may do it to hub 01's data.
WRITE_HUB01 = "write hub 01"  # hub 01's manager only
CREATE_OWN_HUB = "create in own hub"  # any hub manager, always into their own hub
READ_HUB01 = "read hub 01"  # everyone but another hub's manager
SCOPED_LIST = "scoped list"  # nobody refused; hub 01 rows only to its readers
ADMIN_ONLY = "admin"
ADMIN_READ = "admin reads"
SECRETARIAT_ONLY = "secretariat"
OWN_ACCOUNT = "own account"  # every signed-in user
EXPORT_HUB01 = "export hub 01"  # whoever may read hub 01
IMPORTER_HUB01 = "hub 01's importer"  # hub 01's manager only, reading (import templates)
TOKENS_HUB01 = "hub 01's tokens"  # hub 01's accounts' API tokens: its manager, administrators
TOKEN_LISTS = "token lists"  # hub managers (their hub's accounts) and administrators
COMMENT_HUB01 = "comment on hub 01"  # hub 01's manager, and the secretariat asked something
PARTNER_READ = "partner reads its referrals"  # the partner's own accounts only
PARTNER_REPORT = "partner reports"  # the partner's own accounts only, writing
HUB_MANAGERS = "hub managers"  # every hub manager, of their own hub

ALLOWED = {
    WRITE_HUB01: {"manager01"},
    CREATE_OWN_HUB: {"manager01", "manager02"},
    READ_HUB01: {"manager01", "secretariat", "admin"},
    SCOPED_LIST: set(HUB_PEOPLE),
    ADMIN_ONLY: {"admin"},
    ADMIN_READ: {"admin"},
    SECRETARIAT_ONLY: {"secretariat"},
    OWN_ACCOUNT: set(ACTORS),  # a partner's person too: their お知らせ and account
    EXPORT_HUB01: {"manager01", "secretariat", "admin"},
    IMPORTER_HUB01: {"manager01"},
    TOKENS_HUB01: {"manager01", "admin"},
    TOKEN_LISTS: {"manager01", "manager02", "admin"},
    COMMENT_HUB01: {"manager01", "secretariat"},
    PARTNER_READ: {"partner"},
    PARTNER_REPORT: {"partner"},
    HUB_MANAGERS: {"manager01", "manager02"},
}
READS_HUB01 = {"manager01", "secretariat", "admin"}
WRITES = {
    WRITE_HUB01,
    CREATE_OWN_HUB,
    ADMIN_ONLY,
    SECRETARIAT_ONLY,
    TOKENS_HUB01,
    COMMENT_HUB01,
    PARTNER_REPORT,
}


@dataclass
class World:
    actors: dict[str, Actor]
    c1: int
    c1b: int
    contact1: int
    cons1: int
    need1: int  # open
    need1r: int  # referred, then placed
    referral1: int  # shared with the partner's account
    referral1p: int  # need1's, shared; the partner reported 成約 (the hub may confirm it)
    placement1: int
    follow1: int
    target1: int
    partner: int
    c2: int
    cons2: int
    need2: int
    event1: int  # hub 01's seminar, co-hosted by the partner; c1 attended it
    intro1: int  # the partner introduced c1 to hub 01
    import_file: str
    hub_of: dict[tuple[str, int], str]
    token1: int = 0  # an API token of target_user (hub 01)


def v(s: Session, model, key) -> int:
    """The row's current version (what a user who just opened it would send back)."""
    return s.get(model, key).version


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world_engine(request, sqlite_template, tmp_path_factory):
    """One database per module and backend holding the world; each pair runs in a transaction
    that is rolled back, so the world never changes."""
    folder = tmp_path_factory.mktemp("matrix")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            engine = stack.enter_context(sqlite_copy(sqlite_template, folder / "crm.sqlite3"))
        else:
            template = request.getfixturevalue("postgres_template")
            engine = stack.enter_context(postgres_database("crm_matrix", template=template))
        yield engine, _build_world(engine, folder)


def _build_world(engine, folder) -> "World":
    with Session(engine, expire_on_commit=False) as s:
        a = make_actors(s)
        m01, m02 = a.manager01, a.manager02
        partner = make_partner(s)
        c1 = make_company(s, m01, name="一号精機株式会社", kana="イチゴウセイキ")
        c1b = make_company(s, m01, name="一号食品株式会社")
        contact1 = companies.add_contact(s, m01, c1.id, {"name": "山田 太郎"})
        cons1 = make_consultation(
            s, m01, c1, on=DAY, next_action="電話で確認", next_action_on=TODAY_ITEMS
        )
        need1 = make_need(s, m01, cons1)
        need1r = make_need(s, m01, cons1, role_title="経理部長")
        referral1 = needs.refer_need(
            s, m01, {"need_id": need1r.id, "partner_id": partner.id, "referred_on": DAY}
        )
        placement1 = make_placement(s, m01, need1r, on=DAY, partner_id=partner.id)
        partner_actor = actor_for(
            users.create_user(
                s, SYSTEM, username="partner01", role="partner", partner_id=partner.id
            )
        )
        referral1p = needs.refer_need(
            s, m01, {"need_id": need1.id, "partner_id": partner.id, "referred_on": DAY}
        )
        for shared in (referral1, referral1p):
            partner_portal.share_referral(
                s, m01, shared.id, expected_version=shared.version, share_firm_name=False
            )
        partner_portal.report_progress(
            s,
            partner_actor,
            referral1p.id,
            expected_version=s.get(Referral, referral1p.id).version,
            stage="placed",
            placed_on=DAY,
        )
        follow1 = followups.schedule_follow_up(
            s, m01, {"company_id": c1.id, "due_on": DAY + dt.timedelta(days=30)}
        )
        target1 = targets.propose_target(
            s, m01, {"hub_code": "01", "fiscal_year": FY, "consultations": 100, "placements": 10}
        )
        event1 = outreach.create_event(
            s,
            m01,
            {"held_on": DAY, "title": "攻めの経営セミナー", "cohost_ids": [partner.id]},
        )
        outreach.add_attendees(s, m01, event1.id, [c1.id])
        intro1 = outreach.record_introduction(
            s, m01, {"partner_id": partner.id, "company_id": c1.id, "introduced_on": DAY}
        )
        c2 = make_company(s, m02, name="二号商事株式会社")
        cons2 = make_consultation(s, m02, c2, on=DAY)
        need2 = make_need(s, m02, cons2)
        users.create_user(
            s,
            SYSTEM,
            username="target_user",
            role="hub_manager",
            hub_code="01",
            password="target user password",
        )
        token1, _ = api_tokens.create_token(s, SYSTEM, "target_user", name="集計シート")
        s.commit()
        hub_of = {}
        for model, kind in (
            (Company, "company"),
            (Consultation, "consultation"),
            (TalentNeed, "need"),
            (Placement, "placement"),
        ):
            for row in s.exec(select(model)).all():
                hub_of[(kind, row.id)] = row.hub_code
        import_file = folder / "companies.csv"
        import_file.write_bytes("name,prefecture_code\n取込工業株式会社,01\n".encode())
        world = World(
            actors={
                "manager01": m01,
                "manager02": m02,
                "secretariat": a.secretariat,
                "admin": a.admin,
                "partner": partner_actor,
            },
            c1=c1.id,
            c1b=c1b.id,
            contact1=contact1.id,
            cons1=cons1.id,
            need1=need1.id,
            need1r=need1r.id,
            referral1=referral1.id,
            referral1p=referral1p.id,
            placement1=placement1.id,
            follow1=follow1.id,
            target1=target1.id,
            partner=partner.id,
            c2=c2.id,
            cons2=cons2.id,
            need2=need2.id,
            event1=event1.id,
            intro1=intro1.id,
            import_file=str(import_file),
            hub_of=hub_of,
            token1=token1.id,
        )
    return world


def hubs_of(w: World, kind: str, ids) -> set[str]:
    return {w.hub_of[(kind, i)] for i in ids}


def by_total(total: int, hub01: int, hub02: int) -> set[str]:
    """Which hubs a count covers, from the world's known per-hub totals."""
    return {hub01: {"01"}, hub02: {"02"}, hub01 + hub02: {"01", "02"}}[total]


@dataclass(frozen=True)
class Row:
    function: Callable
    policy: str
    call: Callable  # (session, actor, world) -> result
    seen: Callable | None = None  # scoped lists: (result, world) -> hub codes shown
    label: str = ""

    @property
    def name(self) -> str:
        return f"{self.function.__module__.split('.')[-1]}.{self.function.__name__}" + (
            f"[{self.label}]" if self.label else ""
        )


FIRM = {"name": "一号精機株式会社（改）", "prefecture_code": "01"}
TARGET = {"hub_code": "01", "fiscal_year": FY, "consultations": 120, "placements": 12}

ROWS = [
    # companies and contacts
    Row(
        submissions.once,
        WRITE_HUB01,
        lambda s, a, w: submissions.once(
            s,
            a,
            submissions.new_token(),
            lambda inner: companies.create_company(
                inner, a, {"name": "一回だけ工業", "prefecture_code": "01"}, hub_code="01"
            ),
        ),
    ),
    Row(
        companies.create_company,
        WRITE_HUB01,
        lambda s, a, w: companies.create_company(
            s, a, {"name": "新規工業", "prefecture_code": "01"}, hub_code="01"
        ),
    ),
    Row(
        companies.update_company,
        WRITE_HUB01,
        lambda s, a, w: companies.update_company(s, a, w.c1, FIRM, v(s, Company, w.c1)),
    ),
    Row(companies.get_company, READ_HUB01, lambda s, a, w: companies.get_company(s, a, w.c1)),
    Row(
        companies.search_companies,
        SCOPED_LIST,
        lambda s, a, w: companies.search_companies(s, a),
        lambda r, w: {c.hub_code for c in r},
    ),
    Row(
        companies.count_search_results,
        SCOPED_LIST,
        lambda s, a, w: companies.count_search_results(s, a, "一号"),
        lambda r, w: {"01"} if r else set(),
    ),
    Row(
        companies.count_companies,
        SCOPED_LIST,
        lambda s, a, w: companies.count_companies(s, a),
        lambda r, w: by_total(r, 2, 1),
    ),
    Row(
        companies.add_contact,
        WRITE_HUB01,
        lambda s, a, w: companies.add_contact(s, a, w.c1, {"name": "佐藤 花子"}),
    ),
    Row(
        companies.update_contact,
        WRITE_HUB01,
        lambda s, a, w: companies.update_contact(
            s, a, w.contact1, {"name": "山田 次郎"}, v(s, Contact, w.contact1)
        ),
    ),
    Row(companies.list_contacts, READ_HUB01, lambda s, a, w: companies.list_contacts(s, a, w.c1)),
    Row(
        intake.register_company_with_consultation,
        CREATE_OWN_HUB,
        lambda s, a, w: intake.register_company_with_consultation(
            s,
            a,
            {"name": "同時登録工業", "prefecture_code": a.hub_code or "01"},
            {"consulted_on": DAY, "channel": "visit", "summary": "初回訪問"},
        ),
    ),
    # consultations
    Row(
        consultations.log_consultation,
        WRITE_HUB01,
        lambda s, a, w: consultations.log_consultation(
            s, a, {"company_id": w.c1, "consulted_on": DAY, "channel": "visit", "summary": "再訪"}
        ),
    ),
    Row(
        consultations.update_consultation,
        WRITE_HUB01,
        lambda s, a, w: consultations.update_consultation(
            s,
            a,
            w.cons1,
            {"consulted_on": DAY, "channel": "seminar", "summary": "セミナー後の面談"},
            v(s, Consultation, w.cons1),
        ),
    ),
    Row(
        consultations.get_consultation,
        READ_HUB01,
        lambda s, a, w: consultations.get_consultation(s, a, w.cons1),
    ),
    Row(
        consultations.list_consultations,
        SCOPED_LIST,
        lambda s, a, w: consultations.list_consultations(s, a),
        lambda r, w: {c.hub_code for c in r},
    ),
    Row(
        consultations.next_actions,
        SCOPED_LIST,
        lambda s, a, w: consultations.next_actions(s, a, since=dt.date(2000, 1, 1)),
        lambda r, w: {c.hub_code for c in r},
    ),
    Row(
        consultations.count_consultations,
        SCOPED_LIST,
        lambda s, a, w: (
            consultations.count_consultations(s, a),
            consultations.list_consultations(s, a, limit=10_000),
        ),
        lambda r, w: {c.hub_code for c in r[1]} if r[0] == len(r[1]) else {"count != list"},
    ),
    # needs and referrals
    Row(
        needs.open_need,
        WRITE_HUB01,
        lambda s, a, w: needs.open_need(
            s,
            a,
            {
                "company_id": w.c1,
                "category_id": 1,
                "engagement": "mid_career",
                "role_title": "工場長",
                "opened_on": DAY,
            },
        ),
    ),
    Row(
        needs.update_need,
        WRITE_HUB01,
        lambda s, a, w: needs.update_need(
            s,
            a,
            w.need1,
            {"category_id": 1, "engagement": "side_job", "role_title": "工場長", "opened_on": DAY},
            v(s, TalentNeed, w.need1),
        ),
    ),
    Row(
        needs.move_need,
        WRITE_HUB01,
        lambda s, a, w: needs.move_need(s, a, w.need1, "withdrawn", v(s, TalentNeed, w.need1)),
    ),
    Row(needs.get_need, READ_HUB01, lambda s, a, w: needs.get_need(s, a, w.need1)),
    Row(
        needs.list_needs,
        SCOPED_LIST,
        lambda s, a, w: needs.list_needs(s, a),
        lambda r, w: {n.hub_code for n in r},
    ),
    Row(
        needs.count_needs_by_status,
        SCOPED_LIST,
        lambda s, a, w: needs.count_needs_by_status(s, a),
        lambda r, w: by_total(sum(r.values()), 2, 1),
    ),
    Row(needs.need_history, READ_HUB01, lambda s, a, w: needs.need_history(s, a, w.need1)),
    Row(
        needs.refer_need,
        WRITE_HUB01,
        lambda s, a, w: needs.refer_need(
            s, a, {"need_id": w.need1, "partner_id": w.partner, "referred_on": DAY}
        ),
    ),
    Row(
        needs.update_referral,
        WRITE_HUB01,
        lambda s, a, w: needs.update_referral(
            s, a, w.referral1, {"outcome": "placed"}, v(s, Referral, w.referral1)
        ),
    ),
    Row(
        needs.list_referrals,
        SCOPED_LIST,
        lambda s, a, w: needs.list_referrals(s, a),
        lambda r, w: {x.hub_code for x in r},
    ),
    # placements and follow-ups
    Row(
        placements.record_placement,
        WRITE_HUB01,
        lambda s, a, w: placements.record_placement(s, a, {"need_id": w.need1, "placed_on": DAY}),
    ),
    Row(
        placements.update_placement,
        WRITE_HUB01,
        lambda s, a, w: placements.update_placement(
            s, a, w.placement1, {"placed_on": DAY, "age_band": "30s"}, v(s, Placement, w.placement1)
        ),
    ),
    Row(
        placements.get_placement,
        READ_HUB01,
        lambda s, a, w: placements.get_placement(s, a, w.placement1),
    ),
    Row(
        placements.list_placements,
        SCOPED_LIST,
        lambda s, a, w: placements.list_placements(s, a),
        lambda r, w: {p.hub_code for p in r},
    ),
    Row(
        placements.count_placements,
        SCOPED_LIST,
        lambda s, a, w: (
            placements.count_placements(s, a),
            placements.list_placements(s, a, limit=10_000),
        ),
        lambda r, w: {p.hub_code for p in r[1]} if r[0] == len(r[1]) else {"count != list"},
    ),
    Row(
        followups.schedule_follow_up,
        WRITE_HUB01,
        lambda s, a, w: followups.schedule_follow_up(s, a, {"company_id": w.c1, "due_on": DAY}),
    ),
    Row(
        followups.complete_follow_up,
        WRITE_HUB01,
        lambda s, a, w: followups.complete_follow_up(
            s, a, w.follow1, v(s, FollowUp, w.follow1), done_on=DAY
        ),
    ),
    Row(
        followups.update_follow_up,
        WRITE_HUB01,
        lambda s, a, w: followups.update_follow_up(
            s,
            a,
            w.follow1,
            {"due_on": DAY + dt.timedelta(days=60), "notes": "電話で確認"},
            v(s, FollowUp, w.follow1),
        ),
    ),
    Row(
        followups.list_follow_ups,
        SCOPED_LIST,
        lambda s, a, w: followups.list_follow_ups(s, a),
        lambda r, w: {f.hub_code for f in r},
    ),
    Row(
        followups.follow_up_choices,
        SCOPED_LIST,
        lambda s, a, w: followups.follow_up_choices(s, a, limit=10_000),
        lambda r, w: {c.hub_code for c in r.choices},
    ),
    Row(
        record_views.view_rows,
        SCOPED_LIST,
        lambda s, a, w: record_views.view_rows(
            s, a, "consultations", record_views.ViewQuery(limit=200)
        ),
        lambda r, w: {c.hub_code for c in r},
    ),
    Row(
        record_views.count_view,
        SCOPED_LIST,
        lambda s, a, w: (
            record_views.count_view(s, a, "placements", record_views.ViewQuery()),
            record_views.view_rows(s, a, "placements", record_views.ViewQuery(limit=200)),
        ),
        lambda r, w: {p.hub_code for p in r[1]} if r[0] == len(r[1]) else {"count != list"},
    ),
    Row(
        record_views.count_view_by,
        SCOPED_LIST,
        lambda s, a, w: (
            record_views.count_view_by(s, a, "placements", record_views.ViewQuery(), "engagement"),
            record_views.view_rows(s, a, "placements", record_views.ViewQuery(limit=200)),
        ),
        lambda r, w: (
            {p.hub_code for p in r[1]} if sum(r[0].values()) == len(r[1]) else {"count != list"}
        ),
    ),
    Row(
        followups.count_follow_ups_by_state,
        SCOPED_LIST,
        lambda s, a, w: (
            followups.count_follow_ups_by_state(s, a),
            followups.list_follow_ups(s, a, include_done=True, limit=10_000),
        ),
        lambda r, w: (
            {f.hub_code for f in r[1]} if sum(r[0].values()) == len(r[1]) else {"count != list"}
        ),
    ),
    Row(
        followups.count_follow_ups,
        SCOPED_LIST,
        lambda s, a, w: (
            followups.count_follow_ups(s, a, include_done=True),
            followups.list_follow_ups(s, a, include_done=True, limit=10_000),
        ),
        lambda r, w: {f.hub_code for f in r[1]} if r[0] == len(r[1]) else {"count != list"},
    ),
    Row(
        timeline.company_timeline, READ_HUB01, lambda s, a, w: timeline.company_timeline(s, a, w.c1)
    ),
    # 担当者 (issue 25)
    Row(assignments.assignees, READ_HUB01, lambda s, a, w: assignments.assignees(s, a, "01")),
    Row(
        assignments.assignee_names,
        SCOPED_LIST,  # the hub's people read names; a partner reads none
        lambda s, a, w: assignments.assignee_names(s, a, [a.user_id]),
    ),
    Row(
        assignments.assign,
        WRITE_HUB01,
        lambda s, a, w: (
            assignments.assign(s, a, "company", [w.c1, w.c1b], None)
            + assignments.assign(s, a, "company", [w.c1], users.get_user(s, "manager01").id)
        ),
    ),
    # comments and notifications (issue 25)
    Row(comments.mentionable, READ_HUB01, lambda s, a, w: comments.mentionable(s, a, "01")),
    Row(
        comments.list_comments,
        READ_HUB01,
        lambda s, a, w: comments.list_comments(s, a, "company", w.c1),
    ),
    Row(
        comments.count_comments,
        READ_HUB01,
        lambda s, a, w: comments.count_comments(s, a, "company", w.c1),
    ),
    Row(
        comments.post_comment,
        COMMENT_HUB01,
        lambda s, a, w: comments.post_comment(s, a, "company", w.c1, "@manager01 確認です"),
    ),
    Row(
        comments.edit_comment,
        COMMENT_HUB01,
        lambda s, a, w: (
            c := comments.post_comment(s, a, "company", w.c1, "下書き"),
            comments.edit_comment(s, a, c.id or 0, "清書", c.version),
        ),
    ),
    Row(
        comments.delete_comment,
        COMMENT_HUB01,
        lambda s, a, w: comments.delete_comment(
            s, a, comments.post_comment(s, a, "company", w.c1, "取り消す").id or 0
        ),
    ),
    Row(
        notifications.notice,
        OWN_ACCOUNT,
        lambda s, a, w: notifications.notice(
            s, a, None, kind="mention", entity="company", record_id=w.c1, hub_code="01", text=""
        ),
    ),
    Row(
        notifications.mail_preferences,
        OWN_ACCOUNT,
        lambda s, a, w: notifications.mail_preferences(s, a),
    ),
    Row(
        notifications.set_mail_preference,
        OWN_ACCOUNT,
        lambda s, a, w: notifications.set_mail_preference(s, a, "mention", "digest"),
    ),
    Row(notifications.unread_count, OWN_ACCOUNT, lambda s, a, w: notifications.unread_count(s, a)),
    Row(
        notifications.list_notifications,
        OWN_ACCOUNT,
        lambda s, a, w: notifications.list_notifications(s, a),
    ),
    Row(
        notifications.mark_all_read,
        OWN_ACCOUNT,
        lambda s, a, w: notifications.mark_all_read(s, a),
    ),
    Row(
        notifications.mark_read,
        OWN_ACCOUNT,
        lambda s, a, w: [
            notifications.mark_read(s, a, n.id) for n in notifications.list_notifications(s, a)
        ],
    ),
    Row(
        record_history.record_history,
        READ_HUB01,
        lambda s, a, w: record_history.record_history(s, a, "talent_need", w.need1r),
    ),
    # 今日やること (hub 02 has nothing due, so a non-zero count is hub 01's)
    Row(
        today.todays_work,
        SCOPED_LIST,
        lambda s, a, w: today.todays_work(s, a, today=TODAY_ITEMS),
        lambda r, w: {i.hub_code for i in r.items},
    ),
    Row(
        today.quiet_needs,
        SCOPED_LIST,
        lambda s, a, w: today.quiet_needs(s, a, today=today_jst() + dt.timedelta(days=40)),
        lambda r, w: {n.hub_code for n in r[1]},
    ),
    Row(
        today.todays_counts,
        SCOPED_LIST,
        lambda s, a, w: today.todays_counts(s, a, today=TODAY_ITEMS),
        lambda r, w: {"01"} if r.total else set(),
    ),
    Row(
        today.todays_counts_by_hub,
        SCOPED_LIST,
        lambda s, a, w: today.todays_counts_by_hub(s, a, today=TODAY_ITEMS),
        lambda r, w: {c.hub_code for c in r},
    ),
    Row(
        today.close_item,
        WRITE_HUB01,
        lambda s, a, w: today.close_item(s, a, "follow_up", w.follow1, v(s, FollowUp, w.follow1)),
    ),
    Row(
        today.close_next_action,
        WRITE_HUB01,
        lambda s, a, w: today.close_next_action(s, a, w.cons1, v(s, Consultation, w.cons1)),
    ),
    # duplicates and merging
    Row(
        merge.merge_companies,
        WRITE_HUB01,
        lambda s, a, w: merge.merge_companies(
            s,
            a,
            keep_id=w.c1,
            keep_version=v(s, Company, w.c1),
            merge_id=w.c1b,
            merge_version=v(s, Company, w.c1b),
        ),
    ),
    Row(merge.kept_company_id, READ_HUB01, lambda s, a, w: merge.kept_company_id(s, a, w.c1)),
    # pickers
    Row(
        lookups.company_choices,
        SCOPED_LIST,
        lambda s, a, w: lookups.company_choices(s, a),
        lambda r, w: hubs_of(w, "company", [i for i, _ in r]),
    ),
    Row(
        lookups.firm_choices,
        SCOPED_LIST,
        # Another hub's firm asked to be kept is not offered either.
        lambda s, a, w: lookups.firm_choices(s, a, "", keep=(w.c1, w.c2)),
        lambda r, w: hubs_of(w, "company", [i for i, _ in r.choices]),
    ),
    Row(
        lookups.company_names,
        SCOPED_LIST,
        lambda s, a, w: lookups.company_names(s, a, [w.c1, w.c2]),
        lambda r, w: hubs_of(w, "company", r),
    ),
    Row(
        lookups.need_choices,
        SCOPED_LIST,
        lambda s, a, w: lookups.need_choices(s, a),
        lambda r, w: hubs_of(w, "need", [i for i, _ in r]),
    ),
    Row(
        lookups.consultation_choices,
        SCOPED_LIST,
        lambda s, a, w: lookups.consultation_choices(s, a),
        lambda r, w: hubs_of(w, "consultation", [i for i, _ in r]),
    ),
    Row(
        lookups.consultation_company,
        SCOPED_LIST,
        lambda s, a, w: lookups.consultation_company(s, a, w.cons1),
        lambda r, w: {"01"} if r == w.c1 else set(),
    ),
    Row(
        lookups.placement_choices,
        SCOPED_LIST,
        lambda s, a, w: lookups.placement_choices(s, a),
        lambda r, w: hubs_of(w, "placement", [i for i, _ in r]),
    ),
    Row(
        lookups.need_titles,
        SCOPED_LIST,
        lambda s, a, w: lookups.need_titles(s, a, [w.need1, w.need2]),
        lambda r, w: hubs_of(w, "need", r),
    ),
    Row(
        lookups.placements_by_engagement,
        SCOPED_LIST,
        lambda s, a, w: lookups.placements_by_engagement(s, a),
        lambda r, w: {"01"} if sum(r.values()) else set(),
    ),  # hub 02 has no placement
    Row(
        lookups.placement_needs,
        SCOPED_LIST,
        lambda s, a, w: lookups.placement_needs(s, a, [w.placement1]),
        lambda r, w: hubs_of(w, "placement", r),
    ),
    Row(
        lookups.find_companies,
        SCOPED_LIST,
        lambda s, a, w: lookups.find_companies(s, a),
        lambda r, w: {c.hub_code for c in r[1]},
    ),
    # reference data (administrators)
    Row(
        reference_data.set_hub_active,
        ADMIN_ONLY,
        lambda s, a, w: reference_data.set_hub_active(s, a, "47", False, v(s, Hub, "47")),
    ),
    Row(
        reference_data.create_category,
        ADMIN_ONLY,
        lambda s, a, w: reference_data.create_category(s, a, "digital", "DX人材"),
    ),
    Row(
        reference_data.update_category,
        ADMIN_ONLY,
        lambda s, a, w: reference_data.update_category(
            s, a, 1, {"name_ja": "経営人材（改）"}, v(s, TalentCategory, 1)
        ),
    ),
    Row(
        reference_data.create_partner,
        ADMIN_ONLY,
        lambda s, a, w: reference_data.create_partner(
            s, a, {"kind": "regional_bank", "name": "第一地方銀行"}
        ),
    ),
    Row(
        reference_data.update_partner,
        ADMIN_ONLY,
        lambda s, a, w: reference_data.update_partner(
            s,
            a,
            w.partner,
            {"kind": "recruitment_agency", "name": "改称人材株式会社"},
            v(s, Partner, w.partner),
        ),
    ),
    # targets
    Row(
        targets.propose_target,
        WRITE_HUB01,
        lambda s, a, w: targets.propose_target(s, a, TARGET, v(s, KpiTarget, w.target1)),
    ),
    Row(
        targets.set_target,
        SECRETARIAT_ONLY,
        lambda s, a, w: targets.set_target(s, a, TARGET, v(s, KpiTarget, w.target1)),
    ),
    Row(
        targets.approve_target,
        SECRETARIAT_ONLY,
        lambda s, a, w: targets.approve_target(s, a, w.target1, v(s, KpiTarget, w.target1)),
    ),
    Row(targets.get_target, READ_HUB01, lambda s, a, w: targets.get_target(s, a, w.target1)),
    Row(
        targets.list_targets,
        SCOPED_LIST,
        lambda s, a, w: targets.list_targets(s, a),
        lambda r, w: {t.hub_code for t in r},
    ),
    Row(
        analytics_targets.target_progress,
        SCOPED_LIST,
        lambda s, a, w: analytics_targets.target_progress(s, a, FY),
        lambda r, w: {p.hub_code for p in r} & {"01", "02"},
    ),
    Row(targets.find_target, READ_HUB01, lambda s, a, w: targets.find_target(s, a, "01", FY)),
    # accounts
    Row(
        users.create_user,
        ADMIN_ONLY,
        lambda s, a, w: users.create_user(
            s, a, username="new_person", role="secretariat", password="a long new password"
        ),
    ),
    Row(users.list_users, ADMIN_READ, lambda s, a, w: users.list_users(s, a)),
    Row(users.list_accounts, ADMIN_READ, lambda s, a, w: users.list_accounts(s, a)),
    Row(users.get_account, ADMIN_READ, lambda s, a, w: users.get_account(s, a, "target_user")),
    Row(users.my_account, OWN_ACCOUNT, lambda s, a, w: users.my_account(s, a)),
    Row(
        users.update_user,
        ADMIN_ONLY,
        lambda s, a, w: users.update_user(
            s,
            a,
            "target_user",
            {"display_name": "改名 太郎"},
            s.exec(select(UserAccount.version).where(UserAccount.username == "target_user")).one(),
        ),
    ),
    Row(users.set_active, ADMIN_ONLY, lambda s, a, w: users.set_active(s, a, "target_user", False)),
    Row(
        users.reset_password,
        ADMIN_ONLY,
        lambda s, a, w: users.reset_password(s, a, "target_user", "another long password"),
    ),
    Row(
        users.change_own_password,
        OWN_ACCOUNT,
        lambda s, a, w: users.change_own_password(s, a, "", "brand new password 1"),
    ),
    Row(users.unlock, ADMIN_ONLY, lambda s, a, w: users.unlock(s, a, "target_user")),
    Row(
        users.sign_out_everywhere,
        OWN_ACCOUNT,
        lambda s, a, w: users.sign_out_everywhere(s, a),
        label="own",
    ),
    Row(
        users.sign_out_everywhere,
        ADMIN_ONLY,
        lambda s, a, w: users.sign_out_everywhere(s, a, "target_user"),
        label="someone else",
    ),
    # saved views: each person's own (nobody reads, changes or deletes another's)
    Row(
        saved_views.save_view,
        OWN_ACCOUNT,
        lambda s, a, w: saved_views.save_view(
            s, a, "consultations", "今年度の訪問", "channel=visit"
        ),
    ),
    Row(
        saved_views.list_saved_views,
        OWN_ACCOUNT,
        lambda s, a, w: saved_views.list_saved_views(s, a, "consultations"),
    ),
    Row(
        saved_views.delete_view,
        OWN_ACCOUNT,
        lambda s, a, w: saved_views.delete_view(
            s, a, saved_views.save_view(s, a, "consultations", "一時", "").id
        ),
    ),
    Row(
        saved_views.set_default_view,
        OWN_ACCOUNT,
        lambda s, a, w: saved_views.set_default_view(s, a, "consultations", None),
    ),
    Row(
        saved_views.default_params,
        OWN_ACCOUNT,
        lambda s, a, w: saved_views.default_params(s, a, "consultations"),
    ),
    # API tokens: hub 01's accounts' tokens are managed by its manager and administrators
    Row(
        api_tokens.create_token,
        TOKENS_HUB01,
        lambda s, a, w: api_tokens.create_token(
            s, a, "target_user", name="予定表", expires_on=today_jst() + dt.timedelta(days=90)
        ),
    ),
    Row(
        api_tokens.revoke_token,
        TOKENS_HUB01,
        lambda s, a, w: api_tokens.revoke_token(s, a, w.token1),
    ),
    Row(
        api_tokens.revoke_account_tokens,
        TOKENS_HUB01,
        lambda s, a, w: api_tokens.revoke_account_tokens(
            s, a, users.get_user(s, "target_user"), "テスト"
        ),
    ),
    Row(
        api_tokens.list_tokens,
        TOKEN_LISTS,
        lambda s, a, w: api_tokens.list_tokens(s, a),
        lambda r, w: {t.hub_code for t in r if t.hub_code},
    ),
    Row(
        api_tokens.token_owners,
        TOKEN_LISTS,
        lambda s, a, w: api_tokens.token_owners(s, a),
        lambda r, w: {o.hub_code for o in r if o.hub_code},
    ),
    # partners in the loop: the hub shares and confirms, the partner reads and reports
    Row(
        partner_portal.share_referral,
        WRITE_HUB01,
        lambda s, a, w: partner_portal.share_referral(
            s, a, w.referral1, expected_version=v(s, Referral, w.referral1), share_firm_name=True
        ),
    ),
    Row(
        partner_portal.unshare_referral,
        WRITE_HUB01,
        lambda s, a, w: partner_portal.unshare_referral(
            s, a, w.referral1, expected_version=v(s, Referral, w.referral1)
        ),
    ),
    Row(
        partner_portal.set_partner_notes,
        WRITE_HUB01,
        lambda s, a, w: partner_portal.set_partner_notes(
            s, a, w.need1, "週3日勤務も可", expected_version=v(s, TalentNeed, w.need1)
        ),
    ),
    Row(
        partner_portal.reported_placements,
        HUB_MANAGERS,
        lambda s, a, w: partner_portal.reported_placements(s, a),
        lambda r, w: {"01"} if r else set(),
    ),
    Row(
        partner_portal.confirm_placement,
        WRITE_HUB01,
        lambda s, a, w: partner_portal.confirm_placement(
            s, a, w.referral1p, expected_version=v(s, Referral, w.referral1p), age_band="30s"
        ),
    ),
    Row(
        partner_portal.my_referrals,
        PARTNER_READ,
        lambda s, a, w: partner_portal.my_referrals(s, a),
    ),
    Row(
        partner_portal.count_my_referrals,
        PARTNER_READ,
        lambda s, a, w: partner_portal.count_my_referrals(s, a),
    ),
    Row(
        partner_portal.my_referral,
        PARTNER_READ,
        lambda s, a, w: partner_portal.my_referral(s, a, w.referral1),
    ),
    Row(
        partner_portal.report_progress,
        PARTNER_REPORT,
        lambda s, a, w: partner_portal.report_progress(
            s,
            a,
            w.referral1,
            expected_version=v(s, Referral, w.referral1),
            stage="presenting",
            candidate_count=2,
        ),
    ),
    # audit trail
    Row(audit.browse_audit, ADMIN_READ, lambda s, a, w: audit.browse_audit(s, a)),
    Row(audit.count_audit, ADMIN_READ, lambda s, a, w: audit.count_audit(s, a)),
    Row(audit.audit_facets, ADMIN_READ, lambda s, a, w: audit.audit_facets(s, a)),
    # the audit log and the accounts through the list component: administrators only
    *(
        row
        for name, column in (("audit", "action"), ("accounts", "role"))
        for row in (
            Row(
                record_views.view_rows,
                ADMIN_READ,
                lambda s, a, w, name=name: record_views.view_rows(
                    s, a, name, record_views.ViewQuery()
                ),
                label=name,
            ),
            Row(
                record_views.count_view,
                ADMIN_READ,
                lambda s, a, w, name=name: record_views.count_view(
                    s, a, name, record_views.ViewQuery()
                ),
                label=name,
            ),
            Row(
                record_views.count_view_by,
                ADMIN_READ,
                lambda s, a, w, name=name, column=column: record_views.count_view_by(
                    s, a, name, record_views.ViewQuery(), column
                ),
                label=name,
            ),
        )
    ),
]

if csv_export is not None:
    ROWS += [
        Row(
            view_export.export_view,
            SCOPED_LIST,
            lambda s, a, w: view_export.export_view(
                s, a, "consultations", record_views.ViewQuery(), ["hub", "consulted_on"]
            ),
            lambda r, w: {line.split(",")[0] for line in r.data.decode("utf-8-sig").split()[1:]},
        ),
        Row(
            csv_export.full_export,
            EXPORT_HUB01,
            lambda s, a, w: csv_export.full_export(s, a, hub="01"),
        ),
        Row(
            csv_export.weekly_export,
            EXPORT_HUB01,
            lambda s, a, w: csv_export.weekly_export(s, a, hub="01"),
        ),
        Row(
            csv_import.import_files,
            WRITE_HUB01,
            lambda s, a, w: csv_import.import_files(
                s,
                a,
                [("companies.csv", "name,prefecture_code\n取込工業株式会社,01\n".encode())],
                hub="01",
                dry_run=False,
            ),
        ),
        Row(
            csv_import.import_path,
            WRITE_HUB01,
            lambda s, a, w: csv_import.import_path(s, a, w.import_file, hub="01", dry_run=False),
        ),
        # a hub's own ledger, mapped, and its saved mappings (import templates)
        Row(
            ledger_import.preview_mapping,
            IMPORTER_HUB01,
            lambda s, a, w: ledger_import.preview_mapping(s, a, _ledger(), hub="01"),
        ),
        Row(
            ledger_import.import_ledger,
            WRITE_HUB01,
            lambda s, a, w: ledger_import.import_ledger(
                s, a, _ledger(), _LEDGER_MAPPING, hub="01", dry_run=False
            ),
        ),
        Row(
            ledger_templates.save_template,
            WRITE_HUB01,
            lambda s, a, w: ledger_templates.save_template(s, a, "台帳", _LEDGER_MAPPING, "01"),
        ),
        Row(
            ledger_templates.delete_template,
            WRITE_HUB01,
            lambda s, a, w: ledger_templates.delete_template(
                s, a, ledger_templates.save_template(s, a, "一時", _LEDGER_MAPPING, "01").name, "01"
            ),
        ),
        Row(
            ledger_templates.list_templates,
            IMPORTER_HUB01,
            lambda s, a, w: ledger_templates.list_templates(s, a, "01"),
        ),
        Row(
            ledger_templates.get_template,
            IMPORTER_HUB01,
            lambda s, a, w: (
                a.hub_code == "01"  # only hub 01's manager can have saved one
                and ledger_templates.save_template(s, a, "台帳", _LEDGER_MAPPING, "01"),
                ledger_templates.get_template(s, a, "台帳", "01"),
            ),
        ),
    ]


def _ledger():
    """A hub's own ledger: a title line, its own headers, an era date."""
    text = "相談記録\r\n会社名,日付,内容\r\n一号精機株式会社,R6.6.3,人材の相談\r\n"
    return ledger_import.LedgerSource.read(text.encode(), "台帳.csv")


_LEDGER_MAPPING = (
    LedgerMapping.from_dict(
        {
            "columns": {"会社名": "name", "日付": "consulted_on", "内容": "summary"},
            "defaults": {"channel": "visit"},
        }
    )
    if csv_export is not None
    else None
)

# Seminars (events) and introductions: hub 01's manager writes, readers of hub 01 read.
ATTENDEES_CSV = "法人番号,企業名\n,一号食品株式会社\n".encode("utf-8-sig")  # c1b, by name
EVENT_EDIT = {"held_on": DAY, "kind": "briefing", "title": "説明会（改）"}

ROWS += [
    # seminars (events) and introductions: hub 01's manager writes, readers of hub 01 read
    Row(
        outreach.create_event,
        CREATE_OWN_HUB,
        lambda s, a, w: outreach.create_event(
            s, a, {"held_on": DAY, "title": "新しいセミナー", "cohost_ids": [w.partner]}
        ),
    ),
    Row(
        outreach.update_event,
        WRITE_HUB01,
        lambda s, a, w: outreach.update_event(
            s, a, w.event1, {**EVENT_EDIT, "cohost_ids": []}, v(s, Event, w.event1)
        ),
    ),
    Row(outreach.get_event, READ_HUB01, lambda s, a, w: outreach.get_event(s, a, w.event1)),
    Row(
        outreach.event_cohosts,
        READ_HUB01,
        lambda s, a, w: outreach.event_cohosts(s, a, w.event1),
    ),
    Row(
        outreach.list_events,
        SCOPED_LIST,
        lambda s, a, w: outreach.list_events(s, a),
        lambda r, w: {e.hub_code for e in r},
    ),
    Row(
        outreach.count_events,
        SCOPED_LIST,
        lambda s, a, w: outreach.count_events(s, a),
        lambda r, w: {"01"} if r else set(),
    ),
    Row(
        outreach.event_attendees,
        READ_HUB01,
        lambda s, a, w: outreach.event_attendees(s, a, w.event1),
    ),
    Row(
        outreach.add_attendees,
        WRITE_HUB01,
        lambda s, a, w: outreach.add_attendees(s, a, w.event1, [w.c1b]),
    ),
    Row(
        outreach.remove_attendee,
        WRITE_HUB01,
        lambda s, a, w: outreach.remove_attendee(s, a, w.event1, w.c1),
    ),
    Row(
        outreach.plan_attendees,
        IMPORTER_HUB01,  # hub 01's manager only; writes nothing
        lambda s, a, w: outreach.plan_attendees(
            s, a, w.event1, [AttendeeLine(2, None, "一号食品株式会社")]
        ),
    ),
    Row(
        outreach.register_attendees,
        WRITE_HUB01,
        lambda s, a, w: outreach.register_attendees(
            s, a, w.event1, [AttendeeLine(2, None, "一号食品株式会社")]
        ),
    ),
    Row(
        attendee_file.plan_attendee_file,
        IMPORTER_HUB01,
        lambda s, a, w: attendee_file.plan_attendee_file(
            s, a, w.event1, ATTENDEES_CSV, "参加者.csv"
        ),
    ),
    Row(
        attendee_file.register_attendee_file,
        WRITE_HUB01,
        lambda s, a, w: attendee_file.register_attendee_file(
            s, a, w.event1, ATTENDEES_CSV, "参加者.csv"
        ),
    ),
    Row(
        outreach.record_introduction,
        WRITE_HUB01,  # the firm must be the writer's hub's: only hub 01's manager for c1
        lambda s, a, w: outreach.record_introduction(
            s, a, {"partner_id": w.partner, "company_id": w.c1b, "introduced_on": DAY}
        ),
    ),
    Row(
        outreach.update_introduction,
        WRITE_HUB01,
        lambda s, a, w: outreach.update_introduction(
            s,
            a,
            w.intro1,
            {"partner_id": w.partner, "introduced_on": DAY, "notes": "面談に同行"},
            v(s, Introduction, w.intro1),
        ),
    ),
    Row(
        outreach.get_introduction,
        READ_HUB01,
        lambda s, a, w: outreach.get_introduction(s, a, w.intro1),
    ),
    Row(
        outreach.list_introductions,
        SCOPED_LIST,
        lambda s, a, w: outreach.list_introductions(s, a),
        lambda r, w: {i.hub_code for i in r},
    ),
    Row(
        outreach.count_introductions,
        SCOPED_LIST,
        lambda s, a, w: outreach.count_introductions(s, a),
        lambda r, w: {"01"} if r else set(),
    ),
    Row(
        outreach.introductions_of_company,
        READ_HUB01,
        lambda s, a, w: outreach.introductions_of_company(s, a, w.c1),
    ),
    Row(
        outreach.events_of_company,
        READ_HUB01,
        lambda s, a, w: outreach.events_of_company(s, a, w.c1),
    ),
    Row(
        outreach.source_choices,
        READ_HUB01,
        lambda s, a, w: outreach.source_choices(s, a, w.c1),
    ),
]


# The funnel and the partner table: scoped like every analytics read (a partner refused).
ROWS += [
    Row(
        analytics_funnel.funnel,
        SCOPED_LIST,
        lambda s, a, w: analytics_funnel.funnel(s, a, AnalyticsFilter()),
        lambda r, w: by_total(r.count("needs"), 2, 1),
    ),
    Row(
        analytics_partner_table.partner_table,
        SCOPED_LIST,
        lambda s, a, w: analytics_partner_table.partner_table(s, a, AnalyticsFilter()),
        lambda r, w: {"01"} if any(row.referrals for row in r.rows) else set(),
    ),
]


# Functions without an actor: readable by every signed-in role, or pure helpers.
NO_ACTOR = {
    "reference_data.list_hubs": "reference data every role reads",
    "reference_data.get_hub": "reference data every role reads",
    "reference_data.list_categories": "reference data every role reads",
    "reference_data.list_partners": "reference data every role reads",
    "reference_data.get_partner": "reference data every role reads",
    "users.get_user": "trusted look-up for sign-in and the operator's CLI",
    "followups.is_overdue": "pure date check",
    "submissions.new_token": "pure: a random one-time token",
    "merge.duplicate_candidates": "look-up inside create_company, for the hub it writes to",
    "merge.require_no_duplicates": "check inside create_company, for the hub it writes to",
    "merge.new_firm_warnings": "look-up inside an import, for the hub it writes to",
    "merge.require_not_merged": "check inside every write, of a firm the write already read",
    "today.week_end": "pure date arithmetic",
    "today.describe": "pure label of an item already read",
    "targets.validated_target": "pure check of a target's values (the page and a restore)",
    "saved_views.clean_params": "pure: a view's address parameters as stored",
    "comments.mentioned_names": "pure: the @names in a comment's text",
    "assignments.inherited": "look-up inside open_need and a follow-up's creation, of a firm read",
    "partner_portal.firm_label": "pure: an anonymised label of a firm's coarse facts",
    "consultations.source_of": "pure: the source ids a write's data names",
}
CSV_MODULES = [
    "crm.csvio.export",
    "crm.csvio.importer",
    "crm.csvio.view_export",
    "crm.csvio.ledger_import",
    "crm.csvio.ledger_templates",
    "crm.csvio.attendee_file",
]


def _public_functions(module_name: str):
    module = importlib.import_module(module_name)
    for name, function in inspect.getmembers(module, inspect.isfunction):
        if function.__module__ == module_name and not name.startswith("_"):
            yield f"{module_name.split('.')[-1]}.{name}", function


def test_every_service_function_is_in_the_matrix():
    covered = {row.name.split("[")[0] for row in ROWS}
    import crm.services

    modules = {
        f"crm.services.{m.name}"
        for m in pkgutil.iter_modules(crm.services.__path__)
        if m.name not in {"base", "inputs"}
    }
    missing = []
    for module_name in sorted(modules | set(CSV_MODULES)):
        for name, function in _public_functions(module_name):
            takes_actor = "actor" in inspect.signature(function).parameters
            if takes_actor and name not in covered:
                missing.append(name)
            if not takes_actor and module_name in modules and name not in NO_ACTOR:
                missing.append(f"{name} (no actor parameter: add it or list it in NO_ACTOR)")
    assert missing == [], "service functions without a row in the matrix: " + ", ".join(missing)


def _run(engine, world: World, row: Row, who: str):
    """One pair in its own transaction, rolled back afterwards: (outcome, result, entries, gaps)."""
    connection = engine.connect()
    transaction = connection.begin()
    try:
        with Session(bind=connection, expire_on_commit=False) as s:
            before = snapshot(s)
            try:
                result = row.call(s, world.actors[who], world)
                outcome = "ok"
            except PermissionDenied as error:
                result, outcome = str(error), "refused"
            s.flush()
            return outcome, result, new_entries(s, before), unaudited(s, before)
    finally:
        transaction.rollback()
        connection.close()


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
def test_role_matrix(world_engine, row: Row):
    engine, world = world_engine
    problems = []
    for who in ACTORS:
        outcome, result, entries, gaps = _run(engine, world, row, who)
        allowed = who in ALLOWED[row.policy]
        if outcome != ("ok" if allowed else "refused"):
            problems.append(
                f"{who}: expected {'ok' if allowed else 'refused'}, got {outcome} "
                f"({result if outcome == 'refused' else type(result).__name__})"
            )
            continue
        if not allowed:
            assert result, f"{who}: refusal without a message"
            if entries:
                problems.append(f"{who}: refused but wrote {[e.action for e in entries]}")
            continue
        if gaps:
            problems.append(f"{who}: writes without audit entries: {gaps}")
        if row.policy in WRITES and not entries:
            problems.append(f"{who}: a write left no audit entry")
        if row.policy == CREATE_OWN_HUB:
            hubs = {e.hub_code for e in entries if e.action == "create"}
            if hubs != {world.actors[who].hub_code}:
                problems.append(f"{who}: created in hubs {hubs}, not their own")
        if row.seen is not None:
            seen = row.seen(result, world)
            readable = world.actors[who].readable_hubs() or {"01", "02"}
            if not seen <= readable:
                problems.append(f"{who}: sees hubs {seen}, may read only {readable}")
            if ("01" in seen) != (who in READS_HUB01):
                problems.append(f"{who}: hub 01 data {'shown' if '01' in seen else 'missing'}")
    assert problems == [], f"{row.name} ({row.policy}): " + "; ".join(problems)
