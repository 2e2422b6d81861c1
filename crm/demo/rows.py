"""Turn a planned history into table rows (tuples in the column order declared here).

Ids are assigned here from each table's first free id. Names (firms, kana, people) are drawn
from ``names.py``, the texts a hub writes (summaries, role titles, notes, phone numbers) from
``texts.py``; codes are the English enum values stored by the services.
"""

import datetime as dt
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from stdnum.jp import cn

from crm import workflow
from crm.calendar_jp import FOLLOW_UP_AFTER
from crm.demo import clock, names, profiles, texts
from crm.demo.clock import Clock, PlanTimes
from crm.demo.history import BusinessDays, Plan
from crm.demo.profiles import Mix, between, one_of
from crm.reference import PREFECTURES
from crm.textnorm import company_keys
from crm.writes.bulk import BulkWriter

TRACKED = ("created_at", "created_by", "updated_at", "updated_by", "version")
COMPANY_KEYS = ("search_key", "name_key", "kana_key")

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
    # A firm's derived keys (search, 五十音), as every insert of a firm stores them.
    *COMPANY_KEYS,
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
    "previous_prefecture",
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


@dataclass
class Context:
    plan: Plan
    writer: BulkWriter
    seed: int | str
    managers: list[int]  # user id of each hub's manager, by hub index
    secretariat: int
    category_ids: dict[str, int]
    first_ids: dict[str, int]  # table name -> first id to use
    # Filled by prepare(): per need, its status steps up to the last day, in order; when
    # each record was entered.
    steps: dict[int, list[tuple]] = field(default_factory=dict)
    clock: Clock = field(init=False)
    times: PlanTimes = field(init=False)
    # Per firm (by index), its JSIC division and city; per placement (by plan index) the
    # hire's salary band, and per placed need the band of its first hire.
    industries: list[str] = field(default_factory=list)
    cities: list[tuple[str, str, str]] = field(default_factory=list)
    salaries: list[str | None] = field(default_factory=list)
    need_salaries: dict[int, str | None] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        """Each table draws from its own stream, in id order (see history.py)."""
        return random.Random(f"{self.seed}:rows:{part}")

    def prepare(self) -> None:
        today = self.plan.today
        # The planner writes each need's steps together, in order.
        for change in self.plan.status_changes:
            if change[0] <= today:
                self.steps.setdefault(change[1], []).append(change)
        self.clock = Clock(self.seed, self.writer.dialect)
        self.times = clock.plan_times(self.plan, self.clock)
        self._firms()
        self._salaries()

    def _firms(self) -> None:
        """Each firm's industry (its prefecture's census mix) and city, in firm order, before
        the rows: consultations and needs word their texts by the firm's trade. The plan
        fixes some firms' industries (``Plan.co_industry``: a hub's published mix of hiring
        firms)."""
        plan, rng = self.plan, self.rng("firm")
        fixed = plan.co_industry
        for index, (hub, day) in enumerate(zip(plan.co_hub, plan.co_day, strict=True)):
            if day > plan.today:
                break  # firms are in order of their first consultation
            code = plan.hubs[hub]
            industry = profiles.industry_mix(code).pick(rng)
            self.industries.append(fixed.get(index, industry))
            self.cities.append(one_of(rng, names.CITIES[code]))

    def _salaries(self) -> None:
        """A hire's salary band by the need's category and the hire's age
        (``profiles.salary_mix``), drawn from a hash of the need's id and the hire's place
        among its hires, so it is the same whichever day the demo is loaded. A need without a
        stated band keeps none."""
        plan, salt = self.plan, zlib.crc32(f"{self.seed}:salary".encode())
        hires: dict[int, int] = {}
        for _day, need_index, _partner, age, _residence, stated in plan.placements:
            place = hires.get(need_index, 0)
            hires[need_index] = place + 1
            if stated is None:
                self.salaries.append(None)
                continue
            need = plan.needs[need_index]
            mix = profiles.salary_mix(need.category, need.engagement, age)
            band = mix.at(_unit(salt, need.id, place))
            self.salaries.append(band)
            if place == 0:
                self.need_salaries[need_index] = band


_MASK = (1 << 64) - 1


def _unit(salt: int, key: int, part: int) -> float:
    """A uniform draw in [0, 1) from a hash of a record's identity (splitmix64's finaliser)."""
    value = (salt * 0x9E3779B97F4A7C15 + key * 0xBF58476D1CE4E5B9 + part + 1) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return ((value ^ (value >> 31)) >> 11) / float(1 << 53)


# --- companies and contacts --------------------------------------------------------------------

_FORMS_BY_SIZE = [(limit, Mix(mix)) for limit, mix in profiles.LEGAL_FORM_BY_SIZE]
_CAPITAL = {kind: Mix(mix) for kind, mix in profiles.CAPITAL_MIX.items()}


def legal_form(rng: random.Random, employees: int) -> str:
    return next(mix for limit, mix in _FORMS_BY_SIZE if employees <= limit).pick(rng)


def capital(rng: random.Random, form: str, employees: int) -> int:
    drawn = _CAPITAL["kk" if form.startswith("kk") else form].pick(rng)
    if form.startswith("kk"):
        floor = next((yen for more, yen in profiles.KK_CAPITAL_FLOOR if employees > more), 0)
        drawn = max(drawn, floor)
    return drawn


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
    plan, rng = ctx.plan, ctx.rng("company")
    numbers = CorporateNumbers(rng)
    firm_names = FirmNames(rng)
    first_id = ctx.first_ids["company"]
    for index, (hub, day) in enumerate(zip(plan.co_hub, plan.co_day, strict=True)):
        if day > plan.today:
            break  # companies are in order of their first consultation
        code = plan.hubs[hub]
        industry, city = ctx.industries[index], ctx.cities[index]
        if rng.random() < profiles.SOLE_TRADER_SHARE:
            form = "sole"
            number, employees, capital_jpy = None, between(rng, 1, 9), None
        else:
            employees = min(int(rng.lognormvariate(math.log(35), 1.0)) + 3, 2_000)
            form = legal_form(rng, employees)
            number = numbers.next(code, profiles.REGISTRY_KIND[form])
            capital_jpy = capital(rng, form, employees)
        name, kana = firm_names.next(code, city, industry, form)
        # Registered with its first consultation, just before it.
        stamp = ctx.clock.stamp(day, ctx.times.company[index])
        user = ctx.managers[hub]
        keys = company_keys(name, kana)
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
            capital_jpy,
            None,
            stamp,
            user,
            stamp,
            user,
            1,
            *(keys[key] for key in COMPANY_KEYS),
        )


def contact_rows(ctx: Context) -> Iterator[tuple]:
    plan, rng = ctx.plan, ctx.rng("contact")
    next_id = ctx.first_ids["contact"]
    company_first = ctx.first_ids["company"]
    for index, (hub, day) in enumerate(zip(plan.co_hub, plan.co_day, strict=True)):
        if day > plan.today:
            break
        titles = [one_of(rng, names.OWNER_TITLES)]
        if rng.random() < 0.35:
            titles.append(one_of(rng, names.OTHER_TITLES))
        stamp = ctx.clock.stamp(day, ctx.times.company[index])  # entered with the firm
        user = ctx.managers[hub]
        main_line = texts.landline(rng, ctx.cities[index][0])
        for position, title in enumerate(titles):
            family, _ = one_of(rng, names.FAMILY_NAMES)
            email = f"contact{next_id}@example.com" if rng.random() < 0.6 else None
            name = f"{family} {one_of(rng, names.GIVEN_NAMES)}"
            phone = _contact_phone(rng, main_line, ctx.cities[index][0], position)
            yield (
                next_id,
                plan.hubs[hub],
                company_first + index,
                name,
                title,
                email,
                phone,
                stamp,
                user,
                stamp,
                user,
                1,
            )
            next_id += 1


def _contact_phone(rng: random.Random, main_line: str, city: str, position: int) -> str | None:
    """The owner is reached on the firm's main line, others on it, a direct line or a mobile;
    some contacts have no number on file."""
    draw = rng.random()
    if draw < 0.12:
        return None
    if draw < 0.25:
        return texts.mobile(rng)
    if position and draw < 0.55:
        return texts.landline(rng, city)  # a direct line
    return main_line


# --- consultations -----------------------------------------------------------------------------

_CHANNELS = Mix(profiles.CHANNEL_MIX)
_STANCE_NEED = Mix(profiles.STANCE_WITH_NEED)
_STANCE_OTHER = Mix(profiles.STANCE_WITHOUT_NEED)


def consultation_rows(ctx: Context) -> Iterator[tuple]:
    plan, writer, rng, today = ctx.plan, ctx.writer, ctx.rng("consultation"), ctx.plan.today
    times = ctx.times
    first_id, company_first = ctx.first_ids["consultation"], ctx.first_ids["company"]
    for index, day in enumerate(plan.c_day):
        if day > today:
            break  # consultations are in date order
        hub = plan.c_hub[index]
        channel = _CHANNELS.pick(rng)
        stance = (_STANCE_NEED if plan.c_has_need[index] else _STANCE_OTHER).pick(rng)
        industry = ctx.industries[plan.c_company[index]]
        summary = texts.summary(rng, channel, stance, industry)
        plan_next, next_action = rng.random() < 0.6, one_of(rng, texts.NEXT_ACTIONS[stance])
        next_on = BusinessDays.after(day, between(rng, 7, 45))
        stamp = ctx.clock.stamp(times.consultation_day[index], times.consultation[index])
        user = ctx.managers[hub]
        yield (
            first_id + index,
            plan.hubs[hub],
            company_first + plan.c_company[index],
            writer.date(day),
            channel,
            summary,
            stance,
            next_action if plan_next else None,
            writer.date(next_on) if plan_next else None,
            user,
            stamp,
            user,
            stamp,
            user,
            1,
        )


# --- needs, their history and referrals ----------------------------------------------------------


def need_rows(ctx: Context) -> Iterator[tuple]:
    plan, writer, rng, today = ctx.plan, ctx.writer, ctx.rng("need"), ctx.plan.today
    consultation_first, company_first = ctx.first_ids["consultation"], ctx.first_ids["company"]
    for index in sorted(range(len(plan.needs)), key=lambda i: plan.needs[i].id):
        need = plan.needs[index]
        if need.opened > today:
            break  # needs are numbered by opening day
        role = texts.role_title(rng, need.category, ctx.industries[need.company])
        note = texts.need_note(rng, need.engagement)
        steps = ctx.steps[index]
        user = ctx.managers[need.hub]
        created = ctx.clock.stamp(need.opened, ctx.times.step[index][0])
        last = steps[-1]
        updated = ctx.clock.stamp(last[0], ctx.times.step[index][last[2]])
        yield (
            need.id,
            plan.hubs[need.hub],
            company_first + need.company,
            consultation_first + need.consultation,
            ctx.category_ids[need.category],
            need.engagement,
            role,
            need.headcount,
            ctx.need_salaries.get(index, need.salary_band),
            last[4],  # the status it had reached by the last day
            writer.date(need.opened),
            note,
            created,
            user,
            updated,
            user,
            len(steps),
        )


def status_change_rows(ctx: Context) -> Iterator[tuple]:
    plan, writer, today = ctx.plan, ctx.writer, ctx.plan.today
    needs = plan.needs
    ordered = sorted(
        (c for c in plan.status_changes if c[0] <= today),
        key=lambda c: (c[0], needs[c[1]].id, c[2]),
    )
    next_id = ctx.first_ids["need_status_change"]
    for day, need, step, before, after, note in ordered:
        hub = needs[need].hub
        yield (
            next_id,
            plan.hubs[hub],
            needs[need].id,
            before,
            after,
            writer.date(day),
            ctx.clock.stamp(day, ctx.times.step[need][step]),
            ctx.managers[hub],
            note,
        )
        next_id += 1


def referral_outcome(day: int, outcome: str, settled: int | None, today: int) -> str:
    """A referral's result as known on ``today``: its outcome once the need has moved on,
    until then waiting for candidates (pending for the first 45 days)."""
    if settled is not None and settled <= today:
        return outcome
    return "pending" if today - day < 45 else "candidates"


def referral_rows(ctx: Context) -> Iterator[tuple]:
    plan, writer, today, clock_ = ctx.plan, ctx.writer, ctx.plan.today, ctx.clock
    needs, referrals = plan.needs, plan.referrals
    ordered = sorted(
        (i for i, r in enumerate(referrals) if r[0] <= today),
        key=lambda i: (referrals[i][0], needs[referrals[i][1]].id),
    )
    next_id = ctx.first_ids["referral"]
    rng = ctx.rng("referral")
    for index in ordered:
        day, need, partner, outcome, settled = referrals[index]
        hub = needs[need].hub
        user = ctx.managers[hub]
        entered = ctx.times.referral[index]
        stamp = clock_.stamp(day, entered)
        known = referral_outcome(day, outcome, settled, today)
        note = texts.referral_note(rng, needs[need].engagement)
        if known == "pending":
            updated, version = stamp, 1
        else:
            if settled is not None and settled <= today:
                changed = max(settled, day)
            else:
                # Noted once the search ran 45 days, by the last business day at the latest.
                changed = max(
                    min(BusinessDays.after(day, 45), BusinessDays.on_or_before(today)), day
                )
            time = clock_.on(
                changed,
                clock.REFERRAL_UPDATE,
                needs[need].id * 4096 + partner,
                entered if changed == day else None,
            )
            updated, version = clock_.stamp(changed, time), 2
        yield (
            next_id,
            plan.hubs[hub],
            needs[need].id,
            partner,
            writer.date(day),
            known,
            note,
            stamp,
            user,
            updated,
            user,
            version,
        )
        next_id += 1


# --- placements and follow-ups -----------------------------------------------------------------


def order_placements(plan: Plan) -> list[tuple]:
    """Placements up to the last day, in id order, each with its index in the plan last."""
    return sorted(
        ((*p, index) for index, p in enumerate(plan.placements) if p[0] <= plan.today),
        key=lambda p: (p[0], plan.needs[p[1]].id),
    )


def placement_rows(ctx: Context, ordered: list[tuple]) -> Iterator[tuple]:
    plan, writer = ctx.plan, ctx.writer
    company_first = ctx.first_ids["company"]
    first_id = ctx.first_ids["placement"]
    # A separate stream, so the prefectures leave every other drawn figure as it was.
    origins = random.Random(f"previous-prefecture-{first_id}")
    rng = ctx.rng("placement")
    for offset, (day, need_index, partner, age, residence, _, index) in enumerate(ordered):
        need = plan.needs[need_index]
        user = ctx.managers[need.hub]
        stamp = ctx.clock.stamp(day, ctx.times.placement[index])
        hub_code = plan.hubs[need.hub]
        came_from = profiles.previous_prefecture(residence, hub_code, origins)
        note = texts.placement_note(
            rng, need.engagement, residence, PREFECTURES[came_from][0] if came_from else None
        )
        yield (
            first_id + offset,
            hub_code,
            need.id,
            company_first + need.company,
            writer.date(day),
            need.engagement,
            partner,
            ctx.salaries[index],
            age,
            residence,
            came_from,
            note,
            stamp,
            user,
            stamp,
            user,
            1,
        )


def _planned_done(rng: random.Random, made: int, due: int) -> int:
    """When a follow-up gets done: around its due date, some a month or two late, counted in
    business days (so no weekday gets more than its share), never before it was made."""
    early_or_late, late, draw = between(rng, -7, 21), between(rng, 25, 80), rng.random()
    return max(BusinessDays.after(due, early_or_late if draw < 0.9 else late), made)


# (made, time made, kind, reference, hub, company, placement id, due, done, time done, note)
_Planned = tuple[int, int, int, int, int, int, int | None, int, int, int, str]


def follow_up_rows(ctx: Context, ordered: list[tuple]) -> Iterator[tuple]:
    """A check three months after each hire, a one-year check for some (arranged once the
    first is done), and revisits planned after some consultations; done when their planned
    day has come."""
    plan, writer, today, times, clock_ = ctx.plan, ctx.writer, ctx.plan.today, ctx.times, ctx.clock
    company_first, placement_first = ctx.first_ids["company"], ctx.first_ids["placement"]
    planned: list[_Planned] = []
    rng = ctx.rng("follow_up:placements")
    for offset, (day, need_index, *_, index) in enumerate(ordered):
        need = plan.needs[need_index]
        company = company_first + need.company
        # What crm.workflow.follow_up_after schedules with the placement (crm.calendar_jp.
        # follow_up_due), from the planner's table of business days.
        made = times.placement[index]
        due = BusinessDays.on_or_after(day + FOLLOW_UP_AFTER.days)
        done = _planned_done(rng, day, due)
        done_at = clock_.on(done, clock.FOLLOW_UP_DONE, offset, made if done == day else None)
        planned.append(
            (
                day,
                made,
                0,
                offset,
                need.hub,
                company,
                placement_first + offset,
                due,
                done,
                done_at,
                workflow.FOLLOW_UP_NOTE,  # the follow-up every placement schedules
            )
        )
        draw = rng.random()
        year_due = BusinessDays.after(day, 365)
        year_done = _planned_done(rng, done, year_due)
        if draw < 0.4:
            year_done_at = clock_.on(
                year_done, clock.FOLLOW_UP_DONE + 1, offset, done_at if year_done == done else None
            )
            planned.append(
                (
                    done,
                    done_at,
                    1,
                    offset,
                    need.hub,
                    company,
                    placement_first + offset,
                    year_due,
                    year_done,
                    year_done_at,
                    names.FOLLOW_UP_NOTES["year"],
                )
            )
    rng = ctx.rng("follow_up:visits")
    for index, day in enumerate(plan.c_day):
        if day > today:
            break
        draw, due = rng.random(), BusinessDays.after(day, between(rng, 14, 60))
        made = times.consultation_day[index]
        done = _planned_done(rng, made, due)
        if draw < 0.04:
            # Planned while the visit was logged.
            made_at = clock_.after(times.consultation[index], clock.VISIT_FOLLOW_UP, index)
            done_at = clock_.on(
                done, clock.FOLLOW_UP_DONE + 2, index, made_at if done == made else None
            )
            planned.append(
                (
                    made,
                    made_at,
                    2,
                    index,
                    plan.c_hub[index],
                    company_first + plan.c_company[index],
                    None,
                    due,
                    done,
                    done_at,
                    names.FOLLOW_UP_NOTES["visit"],
                )
            )
    planned = sorted(p for p in planned if p[0] <= today)
    for offset, (
        made,
        made_at,
        _k,
        _r,
        hub,
        company,
        placement,
        due,
        done,
        done_at,
        note,
    ) in enumerate(planned):
        done_on = done if done <= today else None
        user = ctx.managers[hub]
        created = clock_.stamp(made, made_at)
        updated = created if done_on is None else clock_.stamp(done_on, done_at)
        yield (
            ctx.first_ids["follow_up"] + offset,
            plan.hubs[hub],
            company,
            placement,
            writer.date(due),
            None if done_on is None else writer.date(done_on),
            note,
            created,
            user,
            updated,
            user,
            1 if done_on is None else 2,
        )


# --- yearly targets ----------------------------------------------------------------------------


def _round5(value: float) -> int:
    return max(5, int(round(value / 5.0)) * 5)


def kpi_rows(ctx: Context, first_year: int, last_year: int) -> Iterator[tuple]:
    """Each hub's targets per fiscal year: set from the previous year's result with some
    ambition, approved by the secretariat in March."""
    plan, writer = ctx.plan, ctx.writer
    next_id = ctx.first_ids["kpi_target"]
    for hub, code in enumerate(plan.hubs):
        for year in range(first_year, last_year + 1):
            rng = ctx.rng(f"kpi:{code}:{year}")
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
            approved = BusinessDays.on_or_after(
                dt.date(year, 4, 1).toordinal() - rng.randint(5, 25)
            )
            if approved > plan.today:
                approved = plan.today
            proposed = BusinessDays.on_or_after(approved - rng.randint(7, 20))
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
                writer.stamp(min(proposed, approved), 11),
                user,
                approved_at,
                ctx.secretariat,
                2,
            )
            next_id += 1
