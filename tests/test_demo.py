"""The demo data set (crm.demo): the published series exactly, sane links, determinism, scale
mode, accounts, refusal of a non-empty database, and PostgreSQL.

The full demo is loaded once per session (``demo_template`` in conftest); tests that need their
own load use scale mode with a few thousand consultations.
"""

import datetime as dt
import hashlib
import os
import random
import stat

import pytest
from sqlalchemy import func, select, text
from sqlmodel import Session
from stdnum.jp import cn
from typer.testing import CliRunner

from crm.actor import SYSTEM, actor_for
from crm.analytics.trend import monthly_trend
from crm.auth.passwords import verify_password
from crm.cli import app
from crm.db import make_engine
from crm.demo import load_demo, load_synthetic
from crm.demo.series import apportion, demo_series
from crm.errors import CrmError
from crm.models import (
    AuditLog,
    Company,
    Consultation,
    DataVersion,
    FollowUp,
    Hub,
    KpiTarget,
    Placement,
    TalentNeed,
    UserAccount,
)
from crm.services import companies
from crm.services.users import get_user
from crm.timeutil import add_months, fiscal_year, today_jst
from tests.conftest import DEMO_TEST_PASSWORD

SEED_CONSULTATIONS = [3, 27, 303, 758, 1427, 2186, 3020, 3883, 5044]
SEED_CONTRACTS = [6, 11, 26, 58, 93, 152, 208, 284, 373]

runner = CliRunner()


def scalar(session, sql: str, **params):
    return session.execute(text(sql), params).scalar()


@pytest.fixture(scope="module")
def demo_trend(demo_template):
    engine = make_engine(f"sqlite:///{demo_template}")
    with Session(engine) as session:
        points = {p.month: p for p in monthly_trend(session, SYSTEM)}
    engine.dispose()
    return points


@pytest.fixture
def demo_session(demo_engine):
    with Session(demo_engine) as session:
        yield session


@pytest.fixture
def demo_password(monkeypatch):
    monkeypatch.setenv("CRM_DEMO_PASSWORD", DEMO_TEST_PASSWORD)


# --- the published series ----------------------------------------------------------------------


def test_seed_chart_is_reproduced_month_by_month(demo_trend):
    months = [f"2016-{m:02d}" for m in range(1, 10)]
    assert [demo_trend[m].cumulative_consultations for m in months] == SEED_CONSULTATIONS
    assert [demo_trend[m].cumulative_contracts for m in months] == SEED_CONTRACTS


def test_november_2020_totals_are_exact_and_early_2019_is_near(demo_trend):
    assert demo_trend["2020-11"].cumulative_consultations == 52_144
    assert demo_trend["2020-11"].cumulative_contracts == 10_831
    early_2019 = demo_trend["2019-02"]
    assert 31_000 <= early_2019.cumulative_consultations <= 35_000
    assert 5_000 <= early_2019.cumulative_contracts <= 5_800


def test_later_years_run_at_the_programme_pace(demo_trend):
    for year in range(2021, today_jst().year):
        months = [demo_trend[f"{year}-{m:02d}"] for m in range(1, 13)]
        consultations = sum(p.consultations for p in months)
        contracts = sum(p.contracts for p in months)
        assert 8_500 <= consultations <= 11_500, year
        assert 2_000 <= contracts <= 3_200, year
    # Seasonality: not every month alike.
    assert len({demo_trend[f"2022-{m:02d}"].consultations for m in range(1, 13)}) > 6


def test_series_runs_to_this_month_and_not_beyond(demo_trend):
    assert max(demo_trend) == today_jst().strftime("%Y-%m")
    assert min(demo_trend) == "2016-01"


def test_the_cli_trend_prints_the_published_points(demo_engine, monkeypatch):
    monkeypatch.setenv("CRM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    result = runner.invoke(app, ["report", "trend"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for month, consultations, contracts in zip(
        [f"2016-{m:02d}" for m in range(1, 10)], SEED_CONSULTATIONS, SEED_CONTRACTS, strict=True
    ):
        assert f"{month},{consultations},{contracts}" in lines
    assert "2016-09,5044,373" in lines
    assert "2020-11,52144,10831" in lines


def test_apportion_adds_up_exactly():
    rng = random.Random(1)
    for total in (0, 1, 7, 1000, 47_100):
        weights = [rng.random() for _ in range(50)]
        parts = apportion(total, weights)
        assert sum(parts) == total and min(parts) >= 0


# --- links and dates ---------------------------------------------------------------------------


def test_records_chain_within_one_hub_and_firm(demo_session):
    session = demo_session
    checks = {
        "placement vs need": """select count(*) from placement p
            join talent_need n on n.id = p.need_id
            where n.hub_code <> p.hub_code or n.company_id <> p.company_id
               or p.placed_on < n.opened_on""",
        "need vs consultation": """select count(*) from talent_need n
            join consultation c on c.id = n.consultation_id
            where c.hub_code <> n.hub_code or c.company_id <> n.company_id
               or c.consulted_on > n.opened_on""",
        "consultation vs firm": """select count(*) from consultation c
            join company co on co.id = c.company_id where co.hub_code <> c.hub_code""",
        "referral vs need": """select count(*) from referral r
            join talent_need n on n.id = r.need_id
            where r.hub_code <> n.hub_code or r.referred_on < n.opened_on""",
        "placing referral after the hire": """select count(*) from referral r
            join placement p on p.need_id = r.need_id
            where r.outcome = 'placed' and r.referred_on > p.placed_on""",
        "follow-up vs placement": """select count(*) from follow_up f
            join placement p on p.id = f.placement_id
            where f.hub_code <> p.hub_code or f.company_id <> p.company_id
               or f.due_on < p.placed_on""",
        "contact vs firm": """select count(*) from contact ct
            join company co on co.id = ct.company_id
            where co.hub_code <> ct.hub_code""",
        "need without consultation": (
            "select count(*) from talent_need where consultation_id is null"
        ),
        "placement with placing partner missing from referrals": """select count(*) from placement p
            where p.partner_id is not null and not exists (select 1 from referral r
              where r.need_id = p.need_id and r.partner_id = p.partner_id)
              and p.engagement <> 'secondment'
              and p.partner_id not in (select id from partner where kind = 'hub')""",
    }
    for name, sql in checks.items():
        assert scalar(session, sql) == 0, name
    assert scalar(session, "select count(*) from placement") > 20_000


def test_no_event_lies_after_today(demo_session):
    today = today_jst().isoformat()
    for table, column in [
        ("consultation", "consulted_on"),
        ("talent_need", "opened_on"),
        ("need_status_change", "changed_on"),
        ("referral", "referred_on"),
        ("placement", "placed_on"),
        ("follow_up", "done_on"),
        ("company", "date(created_at)"),
    ]:
        latest = scalar(demo_session, f"select max({column}) from {table}")
        assert latest <= today, table


def test_every_active_hub_has_a_history_and_tokyo_none(demo_session):
    session = demo_session
    active = set(session.execute(select(Hub.code).where(Hub.active)).scalars())
    assert len(active) == 46 and "13" not in active
    for model in (Consultation, Placement, Company, TalentNeed):
        hubs = set(session.execute(select(model.hub_code).distinct()).scalars())
        assert hubs == active, model.__name__
    per_hub = dict(
        session.execute(
            select(Consultation.hub_code, func.count()).group_by(Consultation.hub_code)
        ).all()
    )
    # Hubs of different sizes...
    assert max(per_hub.values()) > 3 * min(per_hub.values())
    placements = dict(
        session.execute(select(Placement.hub_code, func.count()).group_by(Placement.hub_code)).all()
    )
    rates = [placements[h] / per_hub[h] for h in active]
    # ...and different conversion rates.
    assert max(rates) > 2 * min(rates)


def test_corporate_numbers_are_valid_and_unique_and_sole_traders_have_none(demo_session):
    numbers = demo_session.execute(select(Company.corporate_number)).scalars().all()
    given = [n for n in numbers if n is not None]
    assert len(given) == len(set(given))
    assert all(len(n) == 13 and cn.is_valid(n) for n in given)
    assert 0.03 < (len(numbers) - len(given)) / len(numbers) < 0.2
    assert (
        demo_session.execute(
            select(func.count()).select_from(Company).where(Company.kana.is_(None))
        ).scalar()
        == 0
    )
    # A firm's name is its own within the prefecture.
    assert (
        scalar(
            demo_session,
            """select count(*) from (select hub_code, name from company
        group by hub_code, name having count(*) > 1) as twins""",
        )
        == 0
    )


def test_need_status_matches_its_history(demo_session):
    session = demo_session
    mismatched = scalar(
        session,
        """select count(*) from talent_need n where n.status <> (
        select s.to_status from need_status_change s where s.need_id = n.id
        order by s.changed_on desc, s.id desc limit 1)""",
    )
    assert mismatched == 0
    first_steps = scalar(
        session,
        """select count(*) from need_status_change s
        where s.from_status is null and s.to_status = 'open'""",
    )
    assert first_steps == scalar(session, "select count(*) from talent_need")
    placed_short = scalar(
        session,
        """select count(*) from talent_need n where n.status = 'placed'
        and n.headcount <> (select count(*) from placement p where p.need_id = n.id)""",
    )
    assert placed_short == 0
    # A need not yet placed may have some of its hires (headcount not filled yet), never all.
    assert (
        scalar(
            session,
            """select count(*) from talent_need n where n.status <> 'placed'
        and n.headcount <= (select count(*) from placement p where p.need_id = n.id)""",
        )
        == 0
    )
    statuses = dict(
        session.execute(select(TalentNeed.status, func.count()).group_by(TalentNeed.status)).all()
    )
    assert set(statuses) == {"open", "referred", "placed", "withdrawn"}
    # Needs still in progress are mostly recent.
    year_ago = (today_jst() - dt.timedelta(days=365)).isoformat()
    recent = scalar(
        session,
        """select count(*) from talent_need
        where status in ('open', 'referred') and opened_on >= :since""",
        since=year_ago,
    )
    assert recent / (statuses["open"] + statuses["referred"]) > 0.8


def test_placements_describe_the_hire_and_side_jobs_grow(demo_session):
    session = demo_session
    by_year = {}
    for year, engagement, count in session.execute(
        text(
            """select substr(placed_on, 1, 4), engagement, count(*) from placement
               group by 1, 2"""
        )
    ).all():
        by_year.setdefault(int(year), {})[engagement] = count
    assert by_year[2016].get("side_job", 0) == 0
    share = {y: v.get("side_job", 0) / sum(v.values()) for y, v in by_year.items()}
    assert share[2021] > share[2019] > share[2018]
    assert all(by_year[y].get("secondment", 0) > 0 for y in by_year)
    missing = scalar(
        session,
        """select count(*) from placement where age_band is null
        or previous_residence is null""",
    )
    assert missing == 0


def test_follow_ups_done_for_old_hires_and_some_overdue_lately(demo_session):
    session = demo_session
    today = today_jst()
    old_open = session.execute(
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.done_on.is_(None), FollowUp.due_on < today - dt.timedelta(days=90))
    ).scalar()
    assert old_open == 0
    overdue = session.execute(
        select(func.count())
        .select_from(FollowUp)
        .where(FollowUp.done_on.is_(None), FollowUp.due_on < today)
    ).scalar()
    assert overdue > 50
    done = session.execute(
        select(func.count()).select_from(FollowUp).where(FollowUp.done_on.is_not(None))
    ).scalar()
    assert done > 20_000


def test_yearly_targets_per_hub_are_approved_and_near_the_actual_pace(demo_session):
    session = demo_session
    targets = session.execute(select(KpiTarget)).scalars().all()
    years = range(2016, fiscal_year(today_jst()) + 1)
    assert {(t.hub_code, t.fiscal_year) for t in targets} == {
        (hub, year)
        for hub in session.execute(select(Hub.code).where(Hub.active)).scalars()
        for year in years
    }
    assert {t.status for t in targets} == {"approved"}
    secretariat = get_user(session, "secretariat")
    assert {t.approved_by for t in targets} == {secretariat.id}
    fy2020 = {t.hub_code: t for t in targets if t.fiscal_year == 2020}
    actual = dict(
        session.execute(
            text(
                """select hub_code, count(*) from placement where placed_on between '2020-04-01'
           and '2021-03-31' group by hub_code"""
            )
        ).all()
    )
    ratios = [fy2020[h].placements / actual[h] for h in actual]
    assert 0.6 < sum(ratios) / len(ratios) < 1.6


def test_indexes_are_all_back_after_the_load(demo_session, sqlite_template):
    import sqlite3

    with sqlite3.connect(sqlite_template) as template:
        expected = template.execute(
            "select name, sql from sqlite_master where type = 'index' order by name"
        ).fetchall()
    found = demo_session.execute(
        text("select name, sql from sqlite_master where type = 'index' order by name")
    ).all()
    assert [tuple(row) for row in found] == expected
    assert len(expected) > 20


def test_data_versions_are_raised(demo_session):
    # The load raises the counter of every hub it wrote records of, and '*' (partners).
    versions = dict(demo_session.execute(select(DataVersion.scope, DataVersion.version)).all())
    written = set(demo_session.execute(select(Company.hub_code).distinct()).scalars())
    assert len(written) > 40
    assert all(versions[scope] >= 1 for scope in written | {"*"})


def test_the_load_is_one_audit_entry(demo_session, demo_summary):
    # Generated history: no entry per row created, one for the load, as the shell's operator
    # (the later changes' update entries: tests/demo/test_demo_audit.py).
    entries = demo_session.execute(
        select(AuditLog.action, AuditLog.username, AuditLog.at, AuditLog.detail).where(
            AuditLog.action != "update",
            AuditLog.entity.is_(None) | AuditLog.entity.not_in(("comment", "notification")),
        )
    ).all()
    assert [(action, user) for action, user, *_ in entries] == [("demo_load", "system")]
    # The teams' comments and mentions (crm/demo/team.py) are created as the app creates them,
    # each by its author, before the load.
    said = demo_session.execute(
        select(AuditLog.action, AuditLog.at, AuditLog.username).where(
            AuditLog.entity.in_(("comment", "notification"))
        )
    ).all()
    assert said and {action for action, *_ in said} == {"create"}
    assert all(
        at < demo_summary.loaded_at and not user.startswith("system") for _, at, user in said
    )
    assert entries[0].at == demo_summary.loaded_at
    assert "デモデータを読み込みました" in entries[0].detail


# --- accounts ----------------------------------------------------------------------------------


def test_demo_accounts_and_their_password(demo_session, demo_summary):
    session = demo_session
    users = {u.username: u for u in session.execute(select(UserAccount)).scalars()}
    assert users["admin"].role == "admin" and users["secretariat"].role == "secretariat"
    managers = {name: u for name, u in users.items() if name.startswith("hub")}
    assert len(managers) == 46 and "hub13" not in managers
    assert managers["hub06"].hub_code == "06" and managers["hub06"].role == "hub_manager"
    assert managers["hub06"].display_name == "山形県拠点マネージャー"
    assert verify_password(users["hub06"].password_hash, DEMO_TEST_PASSWORD)
    assert not verify_password(users["hub06"].password_hash, "wrong-password-123")
    assert demo_summary.password == DEMO_TEST_PASSWORD
    # Every account that can sign in is listed; the JHR's (wound up in 2020) is disabled.
    assert set(demo_summary.accounts) == {name for name, u in users.items() if u.active}
    assert [name for name, u in users.items() if not u.active] == ["partner_jhr"]
    # Records are logged by their hub's manager.
    assert (
        scalar(
            session,
            """select count(*) from consultation c join user_account u
        on u.id = c.logged_by where u.hub_code <> c.hub_code""",
        )
        == 0
    )
    assert actor_for(managers["hub06"]).hub_code == "06"


def test_credentials_file_beside_the_sqlite_file_is_private(demo_summary, demo_template):
    path = demo_summary.credentials_path
    assert path is not None and path.parent == demo_template.parent.resolve()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    content = path.read_text(encoding="utf-8")
    assert DEMO_TEST_PASSWORD in content and "admin" in content and "hub47" in content


def test_random_password_when_none_is_configured(sqlite_engine, monkeypatch):
    monkeypatch.delenv("CRM_DEMO_PASSWORD", raising=False)
    summary = load_synthetic(sqlite_engine, consultations=300, seed=5)
    assert len(summary.password) >= 10
    with Session(sqlite_engine) as session:
        assert verify_password(get_user(session, "admin").password_hash, summary.password)


def test_a_too_short_configured_password_is_refused(sqlite_engine, monkeypatch):
    monkeypatch.setenv("CRM_DEMO_PASSWORD", "short")
    with pytest.raises(CrmError, match="CRM_DEMO_PASSWORD"):
        load_synthetic(sqlite_engine, consultations=300, seed=5)


# --- refusing a database that holds data -------------------------------------------------------


def test_load_refuses_a_database_with_consultations(demo_engine, demo_password):
    with pytest.raises(CrmError, match="空ではありません"):
        load_demo(demo_engine)
    with Session(demo_engine) as session:  # nothing was added
        users = session.execute(select(func.count()).select_from(UserAccount)).scalar()
        # and the teams (crm/demo/team.py) and the partners' people (accounts.PARTNER_ACCOUNTS)
        assert users == 48 + 7 + 5


def test_cli_refuses_a_non_empty_database_in_one_line(demo_engine, monkeypatch, demo_password):
    monkeypatch.setenv("CRM_DATABASE_URL", demo_engine.url.render_as_string(hide_password=False))
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("エラー")]
    assert len(errors) == 1 and "空ではありません" in errors[0]
    assert "Traceback" not in result.output


def test_load_refuses_when_demo_user_names_are_taken(sqlite_engine, demo_password):
    with Session(sqlite_engine) as session:
        session.add(UserAccount(username="admin", display_name="既存", role="admin"))
        session.commit()
    with pytest.raises(CrmError, match="admin"):
        load_synthetic(sqlite_engine, consultations=300, seed=1)


def test_a_failed_load_leaves_the_database_empty(sqlite_engine, demo_password, monkeypatch):
    from crm.demo import rows

    def broken(*_args):
        yield from ()
        raise RuntimeError("disk full")

    monkeypatch.setattr(rows, "follow_up_rows", broken)
    with pytest.raises(RuntimeError):
        load_synthetic(sqlite_engine, consultations=500, seed=1)
    assert set(_counts(sqlite_engine).values()) == {0}  # accounts and partners too


def test_loaded_values_read_back_as_the_services_store_them(demo_session):
    """The SQLite fast path writes dates and timestamps as strings; the ORM must read them
    back as the same types the services write."""
    consultation = demo_session.get(Consultation, 1)
    assert isinstance(consultation.consulted_on, dt.date)
    assert consultation.created_at.tzinfo is not None
    local = consultation.created_at.astimezone(dt.timezone(dt.timedelta(hours=9)))
    assert local.date() == consultation.consulted_on and 8 <= local.hour <= 21
    assert consultation.version == 1 and consultation.logged_by is not None
    jhr = demo_session.execute(text("select active from partner where kind = 'jhr'")).scalar()
    assert jhr in (0, False)  # wound up in 2020, kept for its history
    need = demo_session.execute(select(TalentNeed).where(TalentNeed.status == "placed")).first()[0]
    assert need.version == scalar(
        demo_session, "select count(*) from need_status_change where need_id = :n", n=need.id
    )


# --- scale mode and determinism ----------------------------------------------------------------


def _counts(engine) -> dict[str, int]:
    with Session(engine) as session:
        return {
            table: scalar(session, f"select count(*) from {table}")
            for table in (
                "company",
                "contact",
                "consultation",
                "talent_need",
                "need_status_change",
                "referral",
                "placement",
                "follow_up",
                "kpi_target",
                "partner",
                "user_account",
            )
        }


def _checksum(engine) -> str:
    digest = hashlib.sha256()
    queries = [
        "select id, name, kana, corporate_number, city, industry, employees, capital_jpy "
        "from company order by id limit 200",
        "select id, hub_code, company_id, consulted_on, channel, summary, stance, next_action_on "
        "from consultation order by id",
        "select id, need_id, placed_on, engagement, partner_id, salary_band, age_band, "
        "previous_residence from placement order by id",
        "select id, need_id, to_status, changed_on from need_status_change order by id",
    ]
    with Session(engine) as session:
        for sql in queries:
            for row in session.execute(text(sql)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def test_scale_mode_makes_exactly_n_consultations_in_proportion(sqlite_engine, demo_password):
    summary = load_synthetic(sqlite_engine, consultations=5_000, seed=11)
    counts = _counts(sqlite_engine)
    assert counts["consultation"] == summary.consultations == 5_000
    assert counts["placement"] == summary.placements == round(5_000 * 0.21)
    assert 0.3 * 5_000 < counts["company"] < 0.5 * 5_000
    assert counts["company"] < counts["contact"] < 2 * counts["company"]
    assert counts["placement"] < counts["talent_need"] < 2 * counts["placement"]
    assert counts["follow_up"] >= counts["placement"]
    assert counts["user_account"] == 48  # scale mode has no teams
    today = today_jst()
    with Session(sqlite_engine) as session:
        first, last = session.execute(
            select(func.min(Consultation.consulted_on), func.max(Consultation.consulted_on))
        ).one()
        hubs = session.execute(select(func.count(Consultation.hub_code.distinct()))).scalar()
        first_placement = session.execute(select(func.min(Placement.placed_on))).scalar()
    assert add_months(today.replace(day=1), -119) <= first and last <= today
    assert first.year <= today.year - 9
    assert first_placement > first
    assert hubs == 46
    assert summary.kind == "synthetic"


def test_same_seed_same_data_other_seed_other_data(sqlite_template, tmp_path, demo_password):
    import shutil

    engines = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.sqlite3"
        shutil.copy(sqlite_template, path)
        engines.append(make_engine(f"sqlite:///{path}"))
    try:
        load_synthetic(engines[0], consultations=3_000, seed=42)
        load_synthetic(engines[1], consultations=3_000, seed=42)
        load_synthetic(engines[2], consultations=3_000, seed=43)
        assert _counts(engines[0]) == _counts(engines[1])
        assert _checksum(engines[0]) == _checksum(engines[1])
        assert _checksum(engines[0]) != _checksum(engines[2])
    finally:
        for engine in engines:
            engine.dispose()


def test_demo_series_is_deterministic_per_seed():
    today = dt.date(2026, 11, 26)
    first = demo_series(today, random.Random(2016))
    assert first == demo_series(today, random.Random(2016))
    other = demo_series(today, random.Random(7))
    assert first != other
    # The published points hold whatever the seed.
    for series in (first, other):
        assert sum(m.consultations for m in series[:59]) == 52_144
        assert sum(m.placements for m in series[:59]) == 10_831


def test_services_add_rows_after_a_load(sqlite_engine, demo_password):
    load_synthetic(sqlite_engine, consultations=500, seed=3)
    with Session(sqlite_engine) as session:
        manager = actor_for(get_user(session, "hub06"))
        highest = session.execute(select(func.max(Company.id))).scalar()
        company = companies.create_company(
            session, manager, {"name": "株式会社テスト追加", "prefecture_code": "06"}
        )
        session.commit()
        assert company.id == highest + 1


def test_cli_scale_mode_prints_counts_and_sign_in(sqlite_engine, monkeypatch, demo_password):
    monkeypatch.setenv("CRM_DATABASE_URL", sqlite_engine.url.render_as_string(hide_password=False))
    result = runner.invoke(app, ["demo", "--consultations", "2000", "--seed", "9"])
    assert result.exit_code == 0, result.output
    assert "相談: 2,000 件" in result.output
    assert "admin" in result.output and "hub06" not in result.output  # range shown, not all
    assert "hub01 … hub47" in result.output
    assert DEMO_TEST_PASSWORD in result.output
    assert "秒" in result.output


# --- PostgreSQL --------------------------------------------------------------------------------


PG_SCHEMA = [
    "select string_agg(indexname || ' ' || indexdef, '; ' order by indexname) from pg_indexes "
    "where schemaname = current_schema()",
    "select string_agg(conname || ' ' || pg_get_constraintdef(oid), '; ' order by conname) "
    "from pg_constraint where connamespace = current_schema()::regnamespace",
]


@pytest.mark.postgres
def test_scale_mode_on_postgresql(postgres_engine, demo_password):
    with Session(postgres_engine) as session:
        schema_before = [scalar(session, sql) for sql in PG_SCHEMA]
    summary = load_synthetic(postgres_engine, consultations=3_000, seed=8)
    with Session(postgres_engine) as session:
        # Indexes and foreign keys set aside during the load are back, exactly.
        assert [scalar(session, sql) for sql in PG_SCHEMA] == schema_before
        assert "FOREIGN KEY" in schema_before[1]
    counts = _counts(postgres_engine)
    assert counts["consultation"] == 3_000
    assert counts["placement"] == summary.placements == 630
    assert summary.credentials_path is None
    with Session(postgres_engine) as session:
        points = monthly_trend(session, SYSTEM)
        assert points[-1].cumulative_consultations == 3_000
        assert points[-1].cumulative_contracts == 630
        # Sequences were moved past the loaded ids: the services get fresh ids.
        manager = actor_for(get_user(session, "hub06"))
        highest = session.execute(select(func.max(Company.id))).scalar()
        company = companies.create_company(
            session, manager, {"name": "株式会社テスト追加", "prefecture_code": "06"}
        )
        session.commit()
        assert company.id == highest + 1
        mismatched = scalar(
            session,
            """select count(*) from placement p
            join talent_need n on n.id = p.need_id where n.hub_code <> p.hub_code""",
        )
        assert mismatched == 0
