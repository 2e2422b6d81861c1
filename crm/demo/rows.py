"""Turn a planned history into table rows (tuples in the column order declared here).

Ids are assigned here from each table's first free id. Texts (firm names, kana, summaries) are
drawn from ``names.py``; codes are the English enum values stored by the services.
"""

import datetime as dt
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from stdnum.jp import cn

from crm.demo import names, profiles
from crm.demo.history import Plan
from crm.demo.profiles import Mix, between, one_of
from crm.demo.writer import BulkWriter

TRACKED = ("created_at", "created_by", "updated_at", "updated_by", "version")

COMPANY_COLUMNS = (
    "id",
    "hub_code",
    "name",
    "kana",
    "corporate_number",
    "prefecture_code",
    "city",
    "industry",
    "employees",
    "capital_jpy",
    "notes",
    *TRACKED,
)
CONTACT_COLUMNS = ("id", "hub_code", "company_id", "name", "title", "email", "phone", *TRACKED)
CONSULTATION_COLUMNS = (
    "id",
    "hub_code",
    "company_id",
    "consulted_on",
    "channel",
    "summary",
    "stance",
    "next_action",
    "next_action_on",
    "logged_by",
    *TRACKED,
)
NEED_COLUMNS = (
    "id",
    "hub_code",
    "company_id",
    "consultation_id",
    "category_id",
    "engagement",
    "role_title",
    "headcount",
    "salary_band",
    "status",
    "opened_on",
    "notes",
    *TRACKED,
)
STATUS_COLUMNS = (
    "id",
    "hub_code",
    "need_id",
    "from_status",
    "to_status",
    "changed_on",
    "changed_at",
    "changed_by",
    "note",
)
REFERRAL_COLUMNS = (
    "id",
    "hub_code",
    "need_id",
    "partner_id",
    "referred_on",
    "outcome",
    "notes",
    *TRACKED,
)
PLACEMENT_COLUMNS = (
    "id",
    "hub_code",
    "need_id",
    "company_id",
    "placed_on",
    "engagement",
    "partner_id",
    "salary_band",
    "age_band",
    "previous_residence",
    "notes",
    *TRACKED,
)
FOLLOW_UP_COLUMNS = (
    "id",
    "hub_code",
    "company_id",
    "placement_id",
    "due_on",
    "done_on",
    "notes",
    *TRACKED,
)
KPI_COLUMNS = (
    "id",
    "hub_code",
    "fiscal_year",
    "consultations",
    "placements",
    "status",
    "approved_by",
    "approved_at",
    *TRACKED,
)

FOLLOW_UP_AFTER_DAYS = 90  # as crm.services.placements.FOLLOW_UP_AFTER


@dataclass
class Context:
    plan: Plan
    writer: BulkWriter
    rng: random.Random
    managers: list[int]  # user id of each hub's manager, by hub index
    secretariat: int
    category_ids: dict[str, int]
    first_ids: dict[str, int]  # table name -> first id to use


def _hour(rng: random.Random) -> int:
    return 9 + int(rng.random() * 9)  # office hours, Japan time


# --- companies and contacts --------------------------------------------------------------------

_INDUSTRIES = Mix(profiles.INDUSTRY_MIX)
_FORMS = Mix(profiles.LEGAL_FORM_MIX)
_CAPITAL = {kind: Mix(mix) for kind, mix in profiles.CAPITAL_MIX.items()}


class CorporateNumbers:
    """Valid, unique 13-digit corporate numbers: a registry office per hub (four digits), the
    company kind (two) and a rising serial (six), behind the check digit."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.serials: dict[str, int] = {}

    def next(self, hub_code: str, kind: str) -> str:
        office = f"{hub_code}{self.rng.randint(1, 9):02d}"
        key = office + kind
        serial = self.serials.get(key)
        serial = (
            self.rng.randint(1_000, 60_000) if serial is None else serial + self.rng.randint(1, 12)
        )
        self.serials[key] = serial
        base = f"{key}{serial:06d}"
        return cn.calc_check_digit(base) + base


_LEGAL_NAMES = {
    "kk_prefix": "株式会社{}",
    "kk_suffix": "{}株式会社",
    "yk": "有限会社{}",
    "gk": "{}合同会社",
    "sole": "{}",
}


class FirmNames:
    """Firm names and their kana, distinct within a prefecture: a place or a common word with
    a business word first, then the two words together, before a name is allowed twice."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[tuple[str, str]] = set()

    def _stem(self, code: str, city: tuple[str, str, str], form: str) -> tuple[str, str]:
        rng = self.rng
        if form == "sole":
            return one_of(rng, names.FAMILY_NAMES)
        draw = rng.random()
        if draw < 0.4:
            return city[1], city[2]
        if draw < 0.5:
            return names.PREFECTURE_STEMS[code]
        return one_of(rng, names.NAME_WORDS)

    def next(
        self, code: str, city: tuple[str, str, str], industry: str, form: str
    ) -> tuple[str, str]:
        rng = self.rng
        words = names.BUSINESS_WORDS[industry]
        for attempt in range(12):
            stem, stem_kana = self._stem(code, city, form)
            if attempt >= 6:  # a longer name: place or family name, then a common word
                extra, extra_kana = one_of(rng, names.NAME_WORDS)
                stem, stem_kana = stem + extra, stem_kana + extra_kana
            word, word_kana = one_of(rng, words)
            name = _LEGAL_NAMES[form].format(stem + word)
            if (code, name) not in self.used:
                break
        self.used.add((code, name))
        return name, stem_kana + word_kana


def company_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    numbers = CorporateNumbers(rng)
    firm_names = FirmNames(rng)
    first_id = ctx.first_ids["company"]
    for index, (hub, day) in enumerate(zip(plan.co_hub, plan.co_day, strict=True)):
        code = plan.hubs[hub]
        industry = _INDUSTRIES.pick(rng)
        form = _FORMS.pick(rng)
        city = one_of(rng, names.CITIES[code])
        name, kana = firm_names.next(code, city, industry, form)
        if form == "sole":
            number, employees, capital = None, between(rng, 1, 9), None
        else:
            number = numbers.next(code, profiles.REGISTRY_KIND[form])
            employees = min(int(rng.lognormvariate(math.log(35), 1.0)) + 3, 2_000)
            capital = _CAPITAL["kk" if form.startswith("kk") else form].pick(rng)
        stamp = writer.stamp(day, _hour(rng))
        user = ctx.managers[hub]
        yield (
            first_id + index,
            code,
            name,
            kana,
            number,
            code,
            city[0],
            industry,
            employees,
            capital,
            None,
            stamp,
            user,
            stamp,
            user,
            1,
        )


def contact_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    next_id = ctx.first_ids["contact"]
    company_first = ctx.first_ids["company"]
    for index, (hub, day) in enumerate(zip(plan.co_hub, plan.co_day, strict=True)):
        titles = [one_of(rng, names.OWNER_TITLES)]
        if rng.random() < 0.35:
            titles.append(one_of(rng, names.OTHER_TITLES))
        stamp = writer.stamp(day, _hour(rng))
        user = ctx.managers[hub]
        for title in titles:
            family, _ = one_of(rng, names.FAMILY_NAMES)
            email = f"contact{next_id}@example.com" if rng.random() < 0.6 else None
            name = f"{family} {one_of(rng, names.GIVEN_NAMES)}"
            yield (
                next_id,
                plan.hubs[hub],
                company_first + index,
                name,
                title,
                email,
                None,
                stamp,
                user,
                stamp,
                user,
                1,
            )
            next_id += 1


# --- consultations -----------------------------------------------------------------------------

_CHANNELS = Mix(profiles.CHANNEL_MIX)
_STANCE_NEED = Mix(profiles.STANCE_WITH_NEED)
_STANCE_OTHER = Mix(profiles.STANCE_WITHOUT_NEED)


def consultation_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    first_id, company_first = ctx.first_ids["consultation"], ctx.first_ids["company"]
    for index, day in enumerate(plan.c_day):
        hub = plan.c_hub[index]
        channel = _CHANNELS.pick(rng)
        stance = (_STANCE_NEED if plan.c_has_need[index] else _STANCE_OTHER).pick(rng)
        summary = one_of(rng, names.OPENINGS[channel]) + one_of(rng, names.TOPICS[stance])
        if rng.random() < 0.6:
            next_action = one_of(rng, names.NEXT_ACTIONS[stance])
            next_on = writer.date(day + between(rng, 7, 45))
        else:
            next_action = next_on = None
        stamp = writer.stamp(day, _hour(rng))
        user = ctx.managers[hub]
        yield (
            first_id + index,
            plan.hubs[hub],
            company_first + plan.c_company[index],
            writer.date(day),
            channel,
            summary,
            stance,
            next_action,
            next_on,
            user,
            stamp,
            user,
            stamp,
            user,
            1,
        )


# --- needs, their history and referrals ----------------------------------------------------------


def need_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    consultation_first, company_first = ctx.first_ids["consultation"], ctx.first_ids["company"]
    last_change: dict[int, int] = {}
    changes: dict[int, int] = {}
    for day, need, *_ in plan.status_changes:
        changes[need] = changes.get(need, 0) + 1
        if day > last_change.get(need, 0):
            last_change[need] = day
    for index in sorted(range(len(plan.needs)), key=lambda i: plan.needs[i].id):
        need = plan.needs[index]
        user = ctx.managers[need.hub]
        created = writer.stamp(need.opened, _hour(rng))
        changed = last_change.get(index, need.opened)
        updated = writer.stamp(changed, _hour(rng)) if changed != need.opened else created
        yield (
            need.id,
            plan.hubs[need.hub],
            company_first + need.company,
            consultation_first + need.consultation,
            ctx.category_ids[need.category],
            need.engagement,
            one_of(rng, names.ROLE_TITLES[need.category]),
            need.headcount,
            need.salary_band,
            need.status,
            writer.date(need.opened),
            None,
            created,
            user,
            updated,
            user,
            changes.get(index, 1),
        )


def status_change_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    needs = plan.needs
    ordered = sorted(plan.status_changes, key=lambda c: (c[0], needs[c[1]].id, c[2]))
    next_id = ctx.first_ids["need_status_change"]
    for day, need, _step, before, after, note in ordered:
        hub = needs[need].hub
        yield (
            next_id,
            plan.hubs[hub],
            needs[need].id,
            before,
            after,
            writer.date(day),
            writer.stamp(day, _hour(rng)),
            ctx.managers[hub],
            note,
        )
        next_id += 1


def referral_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    needs = plan.needs
    ordered = sorted(plan.referrals, key=lambda r: (r[0], needs[r[1]].id))
    next_id = ctx.first_ids["referral"]
    for day, need, partner, outcome in ordered:
        hub = needs[need].hub
        user = ctx.managers[hub]
        stamp = writer.stamp(day, _hour(rng))
        yield (
            next_id,
            plan.hubs[hub],
            needs[need].id,
            partner,
            writer.date(day),
            outcome,
            None,
            stamp,
            user,
            stamp,
            user,
            1 if outcome == "pending" else 2,
        )
        next_id += 1


# --- placements and follow-ups -----------------------------------------------------------------


def order_placements(plan: Plan) -> list[tuple]:
    return sorted(plan.placements, key=lambda p: (p[0], plan.needs[p[1]].id))


def placement_rows(ctx: Context, ordered: list[tuple]) -> Iterator[tuple]:
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    company_first = ctx.first_ids["company"]
    first_id = ctx.first_ids["placement"]
    for offset, (day, need_index, partner, age, residence, salary) in enumerate(ordered):
        need = plan.needs[need_index]
        user = ctx.managers[need.hub]
        stamp = writer.stamp(day, _hour(rng))
        yield (
            first_id + offset,
            plan.hubs[need.hub],
            need.id,
            company_first + need.company,
            writer.date(day),
            need.engagement,
            partner,
            salary,
            age,
            residence,
            None,
            stamp,
            user,
            stamp,
            user,
            1,
        )


def follow_up_rows(ctx: Context, ordered: list[tuple]) -> Iterator[tuple]:
    """A check three months after each hire (done for old ones, some recent ones overdue), a
    one-year check for some, and revisits planned after some consultations."""
    plan, rng, writer, today = ctx.plan, ctx.rng, ctx.writer, ctx.plan.today
    company_first, placement_first = ctx.first_ids["company"], ctx.first_ids["placement"]
    next_id = ctx.first_ids["follow_up"]

    def row(hub, company, placement, made, due, note):
        nonlocal next_id
        if due < today - 45 or (due < today and rng.random() < 0.4):
            done = min(max(due + between(rng, -7, 21), made), today)
        else:
            done = None
        user = ctx.managers[hub]
        created = writer.stamp(made, _hour(rng))
        updated = created if done is None else writer.stamp(done, _hour(rng))
        next_id += 1
        return (
            next_id - 1,
            plan.hubs[hub],
            company,
            placement,
            writer.date(due),
            None if done is None else writer.date(done),
            note,
            created,
            user,
            updated,
            user,
            1 if done is None else 2,
        )

    for offset, (day, need_index, *_) in enumerate(ordered):
        need = plan.needs[need_index]
        company = company_first + need.company
        yield row(
            need.hub,
            company,
            placement_first + offset,
            day,
            day + FOLLOW_UP_AFTER_DAYS,
            names.FOLLOW_UP_NOTES["quarter"],
        )
        if rng.random() < 0.4 and day + 365 <= today + 60:
            yield row(
                need.hub,
                company,
                placement_first + offset,
                day + FOLLOW_UP_AFTER_DAYS,
                day + 365,
                names.FOLLOW_UP_NOTES["year"],
            )
    for index, day in enumerate(plan.c_day):
        if rng.random() < 0.04:
            hub = plan.c_hub[index]
            yield row(
                hub,
                company_first + plan.c_company[index],
                None,
                day,
                day + between(rng, 14, 60),
                names.FOLLOW_UP_NOTES["visit"],
            )


# --- yearly targets ----------------------------------------------------------------------------


def _round5(value: float) -> int:
    return max(5, int(round(value / 5.0)) * 5)


def kpi_rows(ctx: Context, first_year: int, last_year: int) -> Iterator[tuple]:
    """Each hub's targets per fiscal year: set from the previous year's result with some
    ambition, approved by the secretariat in March."""
    plan, rng, writer = ctx.plan, ctx.rng, ctx.writer
    next_id = ctx.first_ids["kpi_target"]
    for hub, code in enumerate(plan.hubs):
        for year in range(first_year, last_year + 1):
            base_year = year - 1 if (hub, year - 1) in plan.actuals and year > first_year else year
            actual = plan.actuals.get((hub, base_year))
            if actual is None:
                continue
            if base_year == year:  # the first year: a target near what was achieved
                factor_c = factor_p = rng.uniform(0.9, 1.1)
            else:
                # Some hubs aim higher than last year, some consolidate: a realistic mix of
                # hubs ahead of and behind their pro-rated target.
                factor_c, factor_p = rng.uniform(0.85, 1.1), rng.uniform(0.85, 1.12)
            approved = min(dt.date(year, 4, 1).toordinal() - rng.randint(5, 25), plan.today)
            proposed = approved - rng.randint(7, 20)
            user = ctx.managers[hub]
            approved_at = writer.stamp(approved, 15)
            yield (
                next_id,
                code,
                year,
                _round5(actual[0] * factor_c),
                _round5(actual[1] * factor_p),
                "approved",
                ctx.secretariat,
                approved_at,
                writer.stamp(proposed, 11),
                user,
                approved_at,
                ctx.secretariat,
                2,
            )
            next_id += 1
