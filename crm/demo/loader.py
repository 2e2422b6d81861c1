"""Load a synthetic history into an empty, migrated database, in one transaction.

``load_demo`` reproduces the programme's published figures (see ``series.py``);
``load_synthetic`` makes a set of any size for load tests. Both create the demo accounts
(``accounts.py``) and write as the shell's operator through the write layer's entry point for
generated history (``crm.writes.load``: its raw inserter, the data versions of the hubs
written, the id sequences, one audit entry for the load), with the tables' indexes built once
after the rows are in and the firms' search entries and the kept counts derived once for the
whole load (``derived.py``) rather than by a trigger per row. The demo's seminars, bank
introductions, partner accounts and their reports, and the partners' differences by category
are made with the history (``outreach.py``).
The changes the history makes to a row after creating it (a need's status steps, a referral's
outcome, a follow-up done, a target approved) get the audit entries the app writes for them
(``audit.py``), made by the database from the rows loaded.
"""

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator

from sqlalchemy import Engine, func, select, text, update
from sqlmodel import Session, SQLModel, col

from crm.actor import SYSTEM
from crm.db_timeouts import long_running_engine
from crm.demo import accounts, names, outreach, rows, team
from crm.demo.audit import write_later_changes
from crm.demo.derived import Derived, derived_after_load
from crm.demo.history import PartnerPool, Planner, number_needs
from crm.demo.series import MonthTarget, demo_series, synthetic_series
from crm.demo.summary import DemoSummary
from crm.errors import CrmError
from crm.models import (
    Company,
    Consultation,
    Contact,
    DataVersion,
    Event,
    EventAttendee,
    EventCohost,
    FollowUp,
    Hub,
    Introduction,
    KpiTarget,
    NeedStatusChange,
    Partner,
    Placement,
    Referral,
    ReferralReport,
    TalentCategory,
    TalentNeed,
    UserAccount,
    stored_id,
    table_of,
)
from crm.timeutil import JST, add_months, fiscal_year, now_jst
from crm.writes.bulk import BulkWriter
from crm.writes.load import load

Progress = Callable[[float, str], None]

DEFAULT_SEED = 2016

_MODELS: tuple[type[SQLModel], ...] = (
    UserAccount,
    Partner,
    Company,
    Contact,
    Consultation,
    Event,
    EventCohost,
    EventAttendee,
    Introduction,
    TalentNeed,
    NeedStatusChange,
    Referral,
    ReferralReport,
    Placement,
    FollowUp,
    KpiTarget,
)
_TABLES = {table.name: table for table in map(table_of, _MODELS)}

PARTNER_COLUMNS = ("id", "kind", "name", "prefecture_code", "active", *rows.TRACKED)


# How far past the load day the demo plans (and then cuts): beyond the longest lag from a
# consultation to its hire, so every need opened before the load is planned whole.
PLAN_AHEAD_MONTHS = 26


def load_demo(
    engine: Engine,
    *,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with the demo history from January 2016 to the day before the
    load (``now``, default the current time): exactly the seed's monthly series for 2016, the
    published cumulative totals of November 2020 and Yamagata's FY2020 figures."""
    return _load(
        engine,
        seed=seed,
        progress=progress,
        series=lambda last_day, rng: demo_series(add_months(last_day, PLAN_AHEAD_MONTHS), rng),
        kind="demo",
        now=now,
    )


def load_synthetic(
    engine: Engine,
    *,
    consultations: int,
    seed: int = DEFAULT_SEED,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> DemoSummary:
    """Fill an empty database with ``consultations`` consultations over the ten years ending
    this month, with proportional firms, needs, referrals, placements and follow-ups."""
    if consultations < 1:
        raise CrmError("相談件数は1件以上を指定してください。")
    return _load(
        engine,
        seed=seed,
        progress=progress,
        kind="synthetic",
        series=lambda last_day, rng: synthetic_series(last_day, consultations, rng),
        now=now,
    )


def _load(
    engine: Engine,
    *,
    seed: int,
    progress: Progress | None,
    kind: str,
    series: Callable[[dt.date, random.Random], list[MonthTarget]],
    now: dt.datetime | None = None,
) -> DemoSummary:
    started = time.perf_counter()
    engine = long_running_engine(engine)  # bulk inserts through triggers, ANALYZE
    report = progress or (lambda share, message: None)
    report(0.0, "デモ用アカウントを準備しています…")
    password = accounts.demo_password()
    password_hash = accounts.hash_once(password)
    moment = (now or now_jst()).astimezone(JST)
    today = moment.date()
    # Records run to the day before the load: nothing is dated or stamped after the moment
    # of loading, whatever its hour.
    last_day = today - dt.timedelta(days=1)
    rng = random.Random(seed)
    with engine.begin() as connection, Session(bind=connection) as session:
        _lock_and_check_empty(connection)
        hubs = list(
            connection.execute(
                select(col(Hub.code)).where(col(Hub.active)).order_by(col(Hub.code))
            ).scalars()
        )
        if not hubs:
            raise CrmError(
                "有効な拠点がありません。拠点を有効にしてからデモデータを読み込んでください。"
            )
        category_ids = {
            code: stored_id(category_id)
            for code, category_id in connection.execute(
                select(col(TalentCategory.code), col(TalentCategory.id)).where(
                    col(TalentCategory.active)
                )
            )
        }
        if not category_ids:
            raise CrmError("有効な人材区分がありません。")
        first_ids = {
            name: (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
            for name, table in _TABLES.items()
        }

        # Generated history, written as the shell's operator: no audit entry per row, one
        # for the load; the data versions of the hubs written are raised when it ends.
        with load(session, SYSTEM, "demo_load", at=moment.astimezone(dt.UTC)) as writer:
            user_rows = accounts.account_rows(
                hubs, password_hash, first_ids["user_account"], writer
            )
            admin, secretariat = user_rows[0][0], user_rows[1][0]
            managers = [row[0] for row in user_rows[2:]]  # by hub index
            if kind == "demo":  # a few hubs are teams of two or three (crm/demo/team.py)
                user_rows += team.team_rows(
                    hubs,
                    password_hash,
                    first_ids["user_account"] + len(user_rows),
                    user_rows[0][accounts.USER_COLUMNS.index("created_at")],
                )
            writer.insert(_TABLES["user_account"], accounts.USER_COLUMNS, user_rows)
            partner_rows, pool = _partners(hubs, first_ids["partner"], admin, writer)
            writer.insert(_TABLES["partner"], PARTNER_COLUMNS, partner_rows)
            # Partner accounts (the demo's): partner id -> its account's user id.
            reporters: dict[int, int] = {}
            if kind == "demo":
                partner_names = {row[0]: (row[2], row[4]) for row in partner_rows}
                chosen = [
                    (username, partner, *partner_names[partner])
                    for username, partner in outreach.partner_users(hubs, pool)
                ]
                partner_users = accounts.partner_account_rows(
                    chosen,
                    password_hash,
                    first_ids["user_account"] + len(user_rows),
                    writer.stamp(outreach.PORTAL_FROM.toordinal(), 9),
                )
                writer.insert(_TABLES["user_account"], accounts.PARTNER_USER_COLUMNS, partner_users)
                reporters = {row[-1]: row[0] for row in partner_users}
                # The sign-in text lists the accounts that can sign in.
                user_rows += [row for row in partner_users if row[7]]

            months = series(last_day, rng)
            planning = "相談と成約の履歴を組み立てています…"
            report(0.02, planning)
            plan = Planner(hubs, months, pool, last_day, seed, published=kind == "demo").run(
                progress=lambda share: report(0.02 + 0.25 * share, planning)
            )
            number_needs(plan, first_ids["talent_need"])
            outreach.shape_partners(plan, pool, seed)  # partners differ by category
            # Categories in the plan are the seed's four; map any the database lacks to the first.
            fallback = min(category_ids.values())
            for need in plan.needs:
                if need.category not in category_ids:
                    category_ids[need.category] = fallback
            ctx = rows.Context(
                plan=plan,
                writer=writer,
                seed=seed,
                managers=managers,
                secretariat=secretariat,
                category_ids=category_ids,
                first_ids=first_ids,
            )
            ctx.prepare()
            first_fy = fiscal_year(months[0].first_day) + (
                0 if months[0].first_day.month == 4 else 1
            )
            # The rows' search entries and counts are derived once, after the rows are in.
            with derived_after_load(connection, first_ids["company"]) as derived:
                history = _write_history(
                    ctx, derived, first_fy, fiscal_year(today), report, pool, reporters
                )
                report(0.92, "検索用の索引と集計を作成しています…")
            counts = {"accounts": len(user_rows), "partners": len(partner_rows), **history}

            report(0.93, "変更の履歴を記録しています…")
            # What a user changed after creating a row is in the trail, as the app records
            # it: the weekly export tells a pipeline step from a correction by it.
            counts["audit_entries"] = write_later_changes(connection, first_ids)
            if kind == "demo":
                counts |= team.share_out_and_discuss(
                    connection, team.team_people(connection, hubs), moment
                )
            report(0.95, "仕上げをしています…")
            writer.detail = (
                f"デモデータを読み込みました（{kind}, seed={seed}, "
                f"相談 {counts['consultations']:,} 件）"
            )
    report(0.96, "統計情報を更新しています…")
    _analyze(engine)
    summary = DemoSummary(
        kind=kind,
        seed=seed,
        password=password,
        accounts=tuple(row[1] for row in user_rows),
        counts=counts,
        first_day=months[0].first_day,
        last_day=last_day,
        seconds=time.perf_counter() - started,
        database=engine.url.render_as_string(),
        loaded_at=moment,
    )
    summary.credentials_path = accounts.write_credentials_file(engine, summary)
    report(1.0, "デモデータの読み込みが終わりました")
    return summary


def _write_history(
    ctx: rows.Context,
    derived: Derived,
    first_fy: int,
    last_fy: int,
    report: Progress,
    pool: PartnerPool,
    reporters: dict[int, int],
) -> dict[str, int]:
    """Insert the planned history table by table (parents first); returns rows per entity.
    ``reporters``: partner id -> the user id of its account, who reports on its referrals."""
    plan, writer = ctx.plan, ctx.writer
    placements = rows.order_placements(plan)
    sources = outreach.Outreach(ctx, pool, placements, reporters)
    steps = [
        ("companies", "company", rows.COMPANY_COLUMNS, rows.company_rows(ctx), "企業"),
        ("contacts", "contact", rows.CONTACT_COLUMNS, rows.contact_rows(ctx), "担当者"),
        (
            "consultations",
            "consultation",
            outreach.CONSULTATION_COLUMNS,
            sources.consultations(rows.consultation_rows(ctx)),
            "相談",
        ),
        ("events", "outreach_event", outreach.EVENT_COLUMNS, sources.event_rows(), "セミナー"),
        (
            "event_cohosts",
            "event_cohost",
            outreach.COHOST_COLUMNS,
            sources.cohost_rows(),
            "セミナーの共催",
        ),
        (
            "event_attendees",
            "event_attendee",
            outreach.ATTENDEE_COLUMNS,
            sources.attendee_rows(),
            "セミナーの参加企業",
        ),
        (
            "introductions",
            "introduction",
            outreach.INTRODUCTION_COLUMNS,
            sources.introduction_rows(),
            "金融機関からの紹介",
        ),
        ("needs", "talent_need", rows.NEED_COLUMNS, rows.need_rows(ctx), "人材ニーズ"),
        (
            "need_status_changes",
            "need_status_change",
            rows.STATUS_COLUMNS,
            rows.status_change_rows(ctx),
            "ニーズの経過",
        ),
        (
            "referrals",
            "referral",
            outreach.REFERRAL_COLUMNS,
            sources.referrals(rows.referral_rows(ctx)),
            "紹介",
        ),
        (
            "referral_reports",
            "referral_report",
            outreach.REPORT_COLUMNS,
            sources.report_rows(),
            "パートナーの報告",
        ),
        (
            "placements",
            "placement",
            rows.PLACEMENT_COLUMNS,
            rows.placement_rows(ctx, placements),
            "成約",
        ),
        (
            "follow_ups",
            "follow_up",
            rows.FOLLOW_UP_COLUMNS,
            rows.follow_up_rows(ctx, placements),
            "フォローアップ",
        ),
        (
            "kpi_targets",
            "kpi_target",
            rows.KPI_COLUMNS,
            rows.kpi_rows(ctx, first_fy, last_fy),
            "年度目標",
        ),
    ]
    # Rows to write (contacts and follow-ups estimated), for the progress bar.
    expected = max(
        1,
        len(plan.co_hub) * 2.35
        + len(plan.c_day) * 1.05
        + len(plan.needs)
        + len(plan.status_changes)
        + len(plan.referrals)
        + len(plan.placements) * 2.4,
    )
    done = 0

    def tick(iterable: Iterable[tuple], message: str) -> Iterator[tuple]:
        nonlocal done
        for row in iterable:
            done += 1
            if done % 10_000 == 0:
                report(min(0.3 + 0.62 * done / expected, 0.92), message)
            yield row

    counts = {}
    with writer.indexes_deferred([_TABLES[table] for _key, table, *_ in steps]):
        for key, table, columns, generated, label in steps:
            message = f"{label}を書き込んでいます…"
            report(min(0.3 + 0.62 * done / expected, 0.92), message)
            counted = derived.tally(table, columns, tick(generated, message))
            counts[key] = writer.insert(_TABLES[table], columns, counted)
        report(0.92, "索引を作成しています…")
    return counts


def _lock_and_check_empty(connection) -> None:
    """Refuse a database that already holds hub records. The check runs under a write lock,
    so two processes starting on the same empty database cannot both load."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("LOCK TABLE company, consultation IN EXCLUSIVE MODE"))
    else:
        # On SQLite the first write takes the database's write lock.
        connection.execute(
            update(DataVersion)
            .where(col(DataVersion.scope) == "*")
            .values(version=col(DataVersion.version))
        )
    consultations = connection.execute(select(func.count()).select_from(Consultation)).scalar()
    companies = connection.execute(select(func.count()).select_from(Company)).scalar()
    if consultations or companies:
        raise CrmError(
            f"データベースは空ではありません（企業 {companies:,} 件、相談 {consultations:,} 件）。"
            "デモデータは空のデータベースにだけ読み込めます。"
        )
    taken = (
        connection.execute(
            select(col(UserAccount.username)).where(
                col(UserAccount.username).in_(accounts.RESERVED_USERNAMES)
            )
        )
        .scalars()
        .all()
    )
    if taken:
        raise CrmError(
            f"デモ用の利用者名が既に使われています（{', '.join(sorted(taken))}）。"
            "デモデータは空のデータベースにだけ読み込めます。"
        )


def _partners(
    hubs: list[str], first_id: int, admin: int, writer: BulkWriter
) -> tuple[list[tuple], PartnerPool]:
    stamp = writer.stamp(dt.date(2016, 1, 4).toordinal(), 10)
    partner_rows: list[tuple] = []

    def add(kind: str, name: str, prefecture: str | None = None, active: bool = True) -> int:
        partner_id = first_id + len(partner_rows)
        partner_rows.append(
            (partner_id, kind, name, prefecture, active, stamp, admin, stamp, admin, 1)
        )
        return partner_id

    agencies = [add("recruitment_agency", name) for name in names.RECRUITMENT_AGENCIES]
    jhr = add("jhr", names.JHR_NAME, active=False)  # wound up in 2020; kept for its history
    center = add("employment_stability_center", names.STABILITY_CENTER_NAME)
    large_firms = [add("large_firm", name) for name in names.LARGE_FIRMS]
    hub_direct = add("hub", names.HUB_DIRECT_NAME)
    banks = {
        index: [add("regional_bank", name, code) for name in names.regional_bank_names(code)]
        for index, code in enumerate(hubs)
    }
    side_job = agencies[names.RECRUITMENT_AGENCIES.index("株式会社副業ワークス")]
    return partner_rows, PartnerPool(
        agencies=agencies,
        side_job_agency=side_job,
        banks=banks,
        jhr=jhr,
        center=center,
        large_firms=large_firms,
        hub_direct=hub_direct,
    )


def _analyze(engine: Engine) -> None:
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            # A sampled ANALYZE: enough for the planner, quick even at a million rows.
            connection.exec_driver_sql("PRAGMA analysis_limit=1000")
        connection.exec_driver_sql("ANALYZE")
