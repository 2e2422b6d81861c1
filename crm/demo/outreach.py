"""Partners in the loop, in the demo (issue 28): seminars and bank introductions where firms
come from, partner accounts that report on the referrals shared with them, and partners that
differ by category of need.

Everything here is derived from the plan (``history.py``) and the rows as they stream past
(``rows.py``), in the load's one transaction, without reading anything back:

- **Which partner took a need** (``shape_partners``, run on the plan before any row is made).
  The planner picks a need's partners without regard to its category, and sends JHR and the
  banks only needs they fill. Here the referrals to agencies, JHR and the hub's banks (not the
  secondments, nor the hub's own placements) are given again, by category: a referral goes to
  a kind of partner in proportion to ``SHARE`` (who a hub asks for what kind of person), and
  a filled need's referral in proportion to ``SHARE`` × ``CONVERSION``, a referral that led to
  nothing in proportion to ``SHARE`` × (1 − ``CONVERSION``). So within a category the kinds
  rank by ``CONVERSION`` whatever the plan's overall rate, while the number of referrals,
  placements and their days stay as planned::

                         経営人材  経営サポート  専門人材  販路開拓
      SHARE      JHR       12%        5%         2%        2%
                 banks     15%       33%        14%       20%
                 agencies  the rest
      CONVERSION JHR       70%       45%        28%       25%
                 banks     40%       65%        32%       35%
                 agencies  30%       38%        55%       52%

  On the seed-2016 demo that gives, settled referrals placed: 経営人材 JHR 83%, banks 61%,
  agencies 46%; 経営サポート banks 72%, JHR 54%, agencies 42%; 専門人材 agencies 53%, banks
  36%, JHR 34%; 販路開拓 agencies 53%, banks 39%, JHR 21% (tests/demo/test_demo_outreach.py).
  JHR only until it wound up (``history.JHR_LAST_DAY``); the banks' share scales with the
  year's (``profiles.regional_bank_share``: few before the 2018 deregulation). A side job
  handed to an agency goes to the side-job agency four times in ten, as the planner does.
- **Seminars** (``Outreach.consultations``): a consultation logged at a seminar (channel
  ``seminar``) names the hub's latest event of the 90 days before it that has room for more
  firms from it, else a new event a few days to two months before it (a third on the same
  day: the individual consultations after the talk), no closer than two weeks to the hub's
  previous one, so a hub holds a few a year, more where firms come to seminars more. A few
  first consultations of another channel follow a seminar too (the firm attended, then
  asked for a visit). An event takes 10–32 such firms at most; it has 10–40 attending firms
  in all: those that consulted from it, then other firms of the hub, most known before it, a
  few met in the year after; a fifth (before 2018) to nearly half are co-hosted by one of the
  hub's regional banks.
- **Introductions**: a firm whose first consultation came through a financial institution
  was introduced by one of the hub's two banks (mostly the first) some days before; the
  bank's later visits with the hub to that firm name the same introduction.
- **Partner accounts** (``PARTNER_ACCOUNTS``) used the portal from ``PORTAL_FROM``: the
  referrals to them from then on are shared (most with the firm's name) and carry their
  reports (``ReferralReport``): received within seven days mostly (some late), candidates
  presented, interviews, an offer and the 成約 the hub confirmed as the placement, or 見送り
  with a coded reason, on business days in office hours, each after the one before. The
  referral holds its latest report (stage, candidates, reason, when) and, once placed, the
  placement made for that need by that partner.

Draws come from hashes of what a record is (a consultation's place, a need's id, an event's
id), so the history before a month is the same whichever day the demo is loaded.
"""

import bisect
import datetime as dt
import random
import zlib
from collections.abc import Collection, Iterable, Iterator, Sequence

from crm.demo import names
from crm.demo.accounts import PARTNER_ACCOUNTS
from crm.demo.history import JHR_LAST_DAY, BusinessDays, PartnerPool, Plan
from crm.demo.profiles import regional_bank_share
from crm.demo.rows import CONSULTATION_COLUMNS as BASE_CONSULTATION_COLUMNS
from crm.demo.rows import REFERRAL_COLUMNS as BASE_REFERRAL_COLUMNS
from crm.demo.rows import TRACKED, Context
from crm.reference import Channel, DeclineReason, EventKind, ReferralOutcome, ReferralStage

# --- who takes which need ------------------------------------------------------------------------

AGENCY, JHR, BANK = "agency", "jhr", "bank"
KINDS = (AGENCY, JHR, BANK)
# category -> (JHR, banks): the share of a category's referrals a hub gives them (the agencies
# take the rest); banks at their full share (from 2019).
SHARE: dict[str, tuple[float, float]] = {
    "management": (0.12, 0.15),
    "management_support": (0.05, 0.33),
    "specialist": (0.02, 0.14),
    "sales_channel": (0.02, 0.20),
}
# category -> (agencies, JHR, banks): how often a referral of that kind ends in a hire.
CONVERSION: dict[str, tuple[float, float, float]] = {
    "management": (0.30, 0.70, 0.40),
    "management_support": (0.38, 0.45, 0.65),
    "specialist": (0.55, 0.28, 0.32),
    "sales_channel": (0.52, 0.25, 0.35),
}
_FULL_BANK_SHARE = regional_bank_share(2019)
SIDE_JOB_AGENCY_SHARE = 0.4

_MASK = (1 << 64) - 1
# Codes compared per row (an enum's ``.value`` is slow to read hundreds of thousands of times).
_PLACED, _NO_MATCH, _WITHDRAWN, _CANDIDATES = (
    ReferralOutcome.PLACED.value,
    ReferralOutcome.NO_MATCH.value,
    ReferralOutcome.WITHDRAWN.value,
    ReferralOutcome.CANDIDATES.value,
)
_SECONDMENT = "secondment"
_NO_CANDIDATES, _CONDITIONS, _FIRM_DECLINED, _CANDIDATE_DECLINED, _OTHER_REASON = (
    DeclineReason.NO_CANDIDATES.value,
    DeclineReason.CONDITIONS.value,
    DeclineReason.FIRM_DECLINED.value,
    DeclineReason.CANDIDATE_DECLINED.value,
    DeclineReason.OTHER.value,
)
_RECEIVED, _PRESENTING, _INTERVIEWING, _OFFERED, _STAGE_PLACED, _DECLINED = (
    ReferralStage.RECEIVED.value,
    ReferralStage.PRESENTING.value,
    ReferralStage.INTERVIEWING.value,
    ReferralStage.OFFERED.value,
    ReferralStage.PLACED.value,
    ReferralStage.DECLINED.value,
)


def _hash(salt: int, key: int, part: int = 0) -> int:
    """64 mixed bits for a record's identity (splitmix64's finaliser)."""
    value = (salt * 0x9E3779B97F4A7C15 + key * 0xBF58476D1CE4E5B9 + part + 1) & _MASK
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & _MASK
    return value ^ (value >> 31)


def _unit(salt: int, key: int, part: int = 0) -> float:
    """A uniform draw in [0, 1) from a hash of a record's identity."""
    return (_hash(salt, key, part) >> 11) / 9007199254740992.0


_SIXTEEN_BITS = 1.0 / 65536.0


def _draws(salt: int, key: int, count: int) -> list[float]:
    """``count`` uniform draws in [0, 1) (16 bits each) from hashes of a record's identity:
    four from each hash, for the records that take several."""
    draws: list[float] = []
    for part in range((count + 3) // 4):
        value = _hash(salt, key, part)
        draws += (
            (value & 0xFFFF) * _SIXTEEN_BITS,
            ((value >> 16) & 0xFFFF) * _SIXTEEN_BITS,
            ((value >> 32) & 0xFFFF) * _SIXTEEN_BITS,
            (value >> 48) * _SIXTEEN_BITS,
        )
    return draws


def _salt(seed: int | str, part: str) -> int:
    return zlib.crc32(f"{seed}:outreach:{part}".encode())


def _between(draw: float, low: int, high: int) -> int:
    return low + int(draw * (high - low + 1))


_Weights = tuple[tuple[str, float], ...]
_weights: dict[tuple[str, int, bool, bool], _Weights] = {}


def _kind_weights(category: str, year: int, jhr_open: bool, placed: bool) -> _Weights:
    """(kind, cumulative weight) for a referral of ``category`` in ``year`` (see the module)."""
    key = (category, year, jhr_open, placed)
    cached = _weights.get(key)
    if cached is None:
        jhr_share, bank_share = SHARE.get(category, (0.04, 0.2))
        conversion = CONVERSION.get(category, (0.45, 0.45, 0.45))
        if not jhr_open:
            jhr_share = 0.0
        bank_share *= regional_bank_share(year) / _FULL_BANK_SHARE
        shares = (1.0 - jhr_share - bank_share, jhr_share, bank_share)
        total, cumulative = 0.0, []
        for kind, share, rate in zip(KINDS, shares, conversion, strict=True):
            total += share * (rate if placed else 1.0 - rate)
            cumulative.append((kind, total))
        cached = _weights[key] = tuple((kind, w / total) for kind, w in cumulative)
    return cached


def _kind_for(category: str, day: int, placed: bool, draw: float) -> str:
    """The kind of partner a referral of ``category`` made about ``day`` went to, given
    whether it was the one that filled the need."""
    year = dt.date.fromordinal(day).year
    for kind, upto in _kind_weights(category, year, day <= JHR_LAST_DAY, placed):
        if draw < upto:
            return kind
    return AGENCY


def shape_partners(plan: Plan, pool: PartnerPool, seed: int | str) -> None:
    """Give the plan's referrals to agencies, JHR and banks again by the need's category (see
    the module); a filled need's placements follow its placing referral. Call after
    ``number_needs`` and before the rows are made."""
    salt = _salt(seed, "partners")
    banks = {bank for hub_banks in pool.banks.values() for bank in hub_banks}
    movable = set(pool.agencies) | banks | {pool.jhr}
    needs, referrals = plan.needs, plan.referrals

    def partner_of(kind: str, need_index: int, bits: int, taken: set[int]) -> int:
        """A partner of ``kind`` for the need not yet referred to, chosen by the low 32 of
        the referral's hash bits (its kind by the high 32)."""
        need = needs[need_index]
        choices: Sequence[int]
        if kind == JHR:
            choices = [pool.jhr]
        elif kind == BANK:
            hub_banks = pool.banks.get(need.hub) or pool.agencies
            first = 0 if (bits & 0xFF) < 154 else len(hub_banks) - 1  # 6 in 10
            choices = [hub_banks[first], *hub_banks]
        elif need.engagement == "side_job" and ((bits >> 8) & 0xFF) < SIDE_JOB_AGENCY_SHARE * 256:
            choices = [pool.side_job_agency, *pool.agencies]
        else:
            start = ((bits >> 16) & 0xFFFF) % len(pool.agencies)
            choices = pool.agencies[start:] + pool.agencies[:start]
        for partner in choices:
            if partner not in taken:
                return partner
        return next(p for p in pool.agencies if p not in taken)

    placing: dict[int, int] = {}  # need index -> its placing partner
    used: dict[int, set[int]] = {}  # need index -> partners it was referred to so far
    # The planner makes a need's referrals together, the one that filled it first: a
    # referral's draws are keyed on its need's id and its place among them.
    # Every referral of the plan, those after the load day too: what a need's earlier ones
    # got must not depend on the day of the load.
    for index, (day, need_index, partner, outcome, settled) in enumerate(referrals):
        taken = used.get(need_index)
        if taken is None:
            taken = used[need_index] = set()
        place = len(taken)
        if partner not in movable:
            taken.add(partner)
            continue
        need = needs[need_index]
        if need.engagement == _SECONDMENT:
            taken.add(partner)
            continue
        placed = outcome == _PLACED
        bits = _hash(salt, need.id * 64 + place % 64)
        # A filled need's partner was chosen for the day of its first hire (as planned).
        kind = _kind_for(need.category, settled if placed else day, placed, (bits >> 32) / 2**32)
        chosen = partner_of(kind, need_index, bits, taken)
        taken.add(chosen)
        referrals[index] = (day, need_index, chosen, outcome, settled)
        if placed:
            placing[need_index] = chosen
    for index, placement in enumerate(plan.placements):
        placer = placing.get(placement[1])
        if placer is not None:
            plan.placements[index] = (placement[0], placement[1], placer, *placement[3:])


# --- partner accounts --------------------------------------------------------------------------

# The partners whose people sign in to the partner portal, from this day on.
PORTAL_FROM = dt.date(2018, 4, 2)
SHARED_SHARE = 0.94  # of the referrals to a partner with accounts, those shared with it
FIRM_NAME_SHARE = 0.85  # of the shared ones, those showing the firm's name


def partner_users(hubs: list[str], pool: PartnerPool) -> list[tuple[str, int]]:
    """(user name, partner id) of each demo partner account whose partner is in the load (a
    bank only for an active hub)."""
    chosen: list[tuple[str, int]] = []
    for username, which in PARTNER_ACCOUNTS:
        if which == "agency":
            chosen.append((username, pool.agencies[0]))
        elif which == "side_job":
            chosen.append((username, pool.side_job_agency))
        elif which == "jhr":
            chosen.append((username, pool.jhr))
        else:
            code = which.split(":")[1]
            if code in hubs and pool.banks.get(hubs.index(code)):
                chosen.append((username, pool.banks[hubs.index(code)][0]))
    return chosen


# --- seminars and introductions ------------------------------------------------------------------

CONSULTATION_COLUMNS = (*BASE_CONSULTATION_COLUMNS, "event_id", "introduction_id")
REFERRAL_COLUMNS = (
    *BASE_REFERRAL_COLUMNS,
    "shared",
    "share_firm_name",
    "stage",
    "candidate_count",
    "decline_reason",
    "stage_reported_at",
    "reported_placed_on",
    "placement_id",
)
EVENT_COLUMNS = ("id", "hub_code", "held_on", "kind", "title", "venue", "notes", *TRACKED)
COHOST_COLUMNS = ("id", "event_id", "partner_id", "hub_code")
ATTENDEE_COLUMNS = ("id", "event_id", "company_id", "hub_code", "created_at", "created_by")
INTRODUCTION_COLUMNS = (
    "id",
    "hub_code",
    "partner_id",
    "company_id",
    "introduced_on",
    "notes",
    *TRACKED,
)
REPORT_COLUMNS = (
    "id",
    "referral_id",
    "hub_code",
    "partner_id",
    "stage",
    "candidate_count",
    "decline_reason",
    "placed_on",
    "reported_on",
    "reported_at",
    "reported_by",
)

FIRST_DAY = dt.date(2016, 1, 4).toordinal()  # the programme's (and its accounts') first day
EVENT_WINDOW = 90  # days from an event within which a consultation names it
EVENT_GAP = 14  # days between two events of a hub, at least
MAX_ATTENDANCE = 40
MIN_ATTENDANCE = 10
OTHER_CHANNEL_SHARE = 0.1  # first consultations of another channel that follow a seminar
INTRODUCED_SHARE = 0.92  # firms first met through a bank that were introduced by it
BANK_VISIT_SHARE = 0.6  # a bank's later visits with the hub that name its introduction

_SEMINAR = Channel.SEMINAR.value
_BANK_CHANNEL = Channel.FINANCIAL_INSTITUTION.value
SEMINAR_TITLES = (
    "「攻めの経営」セミナー",
    "経営者のためのプロフェッショナル人材活用セミナー",
    "事業承継と経営人材セミナー",
    "成長戦略と人材戦略セミナー",
    "販路開拓のための人材活用セミナー",
    "DX推進と専門人材セミナー",
)
SIDE_JOB_TITLE = "副業・兼業人材活用セミナー"  # from 2018
OTHER_TITLES = {
    EventKind.BRIEFING.value: ("プロフェッショナル人材事業 説明会", "人材活用 個別相談会"),
    EventKind.NETWORKING.value: ("経営者交流会", "地域企業と専門人材の交流会"),
}
VENUES = ("商工会議所 会議室", "産業支援センター 研修室", "市民会館 会議室", "ホテル 宴会場")
EVENT_NOTES = (
    "参加企業の半数が個別相談を希望。",
    "アンケートで経営人材への関心が高かった。",
    "講演後に個別相談会を実施。",
    "オンライン併用で開催。",
)
INTRODUCTION_NOTES = (
    "取引先の社長から後継者候補の相談があり、融資担当者が紹介。",
    "事業拡大に伴う管理職採用の相談で紹介。",
    "販路開拓の担い手を探しているとのことで紹介。",
    "支店長の同行訪問で紹介。",
)


class Outreach:
    """The demo's events, introductions and partner reports, made while the consultation and
    referral rows stream past (``consultations``, ``referrals``); the rows of the new tables
    come after (``event_rows`` …), ids from ``ctx.first_ids``."""

    def __init__(
        self,
        ctx: Context,
        pool: PartnerPool,
        placements: list[tuple],
        reporters: dict[int, int],
    ):
        """``placements``: ``rows.order_placements`` (the order of their ids);
        ``reporters``: partner id -> the user id of its account."""
        self.ctx, self.plan, self.pool = ctx, ctx.plan, pool
        self.seed = ctx.seed
        self.reporters = reporters
        self.salt = _salt(ctx.seed, "events")
        plan = self.plan
        self.first_consultation = ctx.first_ids["consultation"]
        self.first_company = ctx.first_ids["company"]
        self.first_event = ctx.first_ids["outreach_event"]
        # Events: (hub, held, cap, cohost or None, kind); their linked firms.
        self.events: list[tuple[int, int, int, int | None, str]] = []
        self.linked: list[dict[int, tuple[int, int]]] = []  # firm -> (day, second) registered
        self.open: list[list[int]] = [[] for _ in plan.hubs]  # hub -> its recent events
        self.last_event: list[int] = [0] * len(plan.hubs)
        # Introductions: (hub, bank, firm, introduced on, consultation index); firm -> id.
        self.introductions: list[tuple[int, int, int, int, int]] = []
        self.introduced: dict[int, int] = {}
        # Firms of each hub in the order of their first consultation (firm indexes, days).
        self.hub_firms: list[list[int]] = [[] for _ in plan.hubs]
        self.hub_firm_days: list[list[int]] = [[] for _ in plan.hubs]
        for firm, (hub, day) in enumerate(zip(plan.co_hub, plan.co_day, strict=True)):
            if day > plan.today:
                break
            self.hub_firms[hub].append(firm)
            self.hub_firm_days[hub].append(day)
        # Placement id, day and time of the first hire of a need by a partner (need id).
        self.placed: dict[tuple[int, int], tuple[int, int, int]] = {}
        first_placement = ctx.first_ids["placement"]
        for offset, (day, need_index, partner, *_rest, index) in enumerate(placements):
            key = (plan.needs[need_index].id, partner)
            if key not in self.placed:
                self.placed[key] = (first_placement + offset, day, ctx.times.placement[index])
        self.reports: list[tuple] = []

    # --- consultations ---------------------------------------------------------------------

    def consultations(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        """The consultation rows with the event or introduction each came from."""
        c_first, first_id, salt = self.plan.c_first, self.first_consultation, self.salt
        neither = (None, None)
        # A consultation's draws: 16-bit fields of one hash of its place.
        for row in rows:
            channel, index = row[4], row[0] - first_id
            if channel == _SEMINAR:
                yield (*row, self._seminar(index, _hash(salt, index)), None)
            elif channel == _BANK_CHANNEL:
                yield (*row, None, self._introduction(index, _hash(salt, index)))
            elif c_first[index]:
                yield (*row, self._after_seminar(index, _hash(salt, index)), None)
            else:
                yield row + neither

    def _link(self, event: int, index: int) -> int:
        """Name ``event`` on the consultation ``index``: its firm attended, registered as
        attending just before the consultation was entered."""
        firm, times = self.plan.c_company[index], self.ctx.times
        registered = (times.consultation_day[index], max(times.consultation[index] - 60, 0))
        links = self.linked[event]
        if firm not in links or registered < links[firm]:
            links[firm] = registered
        return self.first_event + event

    def _room(self, hub: int, day: int, earliest: int) -> int | None:
        """The hub's latest event held from ``earliest`` to ``day`` with room for more."""
        recent = self.open[hub]
        while recent and self.events[recent[0]][1] < day - EVENT_WINDOW:
            recent.pop(0)
        for event in reversed(recent):
            held, cap = self.events[event][1], self.events[event][2]
            if earliest <= held <= day and len(self.linked[event]) < cap:
                return event
        return None

    def _seminar(self, index: int, bits: int) -> int | None:
        plan = self.plan
        hub, day = plan.c_hub[index], plan.c_day[index]
        event = self._room(hub, day, day - EVENT_WINDOW)
        if event is None:
            draw = (bits & 0xFFFF) * _SIXTEEN_BITS
            held = day if draw < 0.33 else BusinessDays.after(day, -_between(draw, 7, 60))
            held = max(held, self.last_event[hub] + EVENT_GAP, FIRST_DAY)
            held = BusinessDays.on_or_after(held)
            if held > day:
                return None  # a seminar the hub did not run (a third party's)
            event = self._new_event(hub, held)
        return self._link(event, index)

    def _after_seminar(self, index: int, bits: int) -> int | None:
        plan = self.plan
        if ((bits >> 16) & 0xFFFF) * _SIXTEEN_BITS >= OTHER_CHANNEL_SHARE:
            return None
        day = plan.c_day[index]
        event = self._room(plan.c_hub[index], day - 1, day - EVENT_WINDOW)
        return None if event is None else self._link(event, index)

    def _new_event(self, hub: int, held: int) -> int:
        event = len(self.events)
        key = self.ctx.first_ids["outreach_event"] + event
        draw = _unit(self.salt, key, 3)
        kind = (
            EventKind.SEMINAR.value
            if draw < 0.8
            else EventKind.BRIEFING.value
            if draw < 0.92
            else EventKind.NETWORKING.value
        )
        cohosted = 0.45 if dt.date.fromordinal(held).year >= 2018 else 0.2
        banks = self.pool.banks.get(hub) or []
        cohost = None
        if banks and _unit(self.salt, key, 4) < cohosted:
            cohost = banks[0] if _unit(self.salt, key, 5) < 0.7 else banks[-1]
        cap = _between(_unit(self.salt, key, 6), 10, 32)
        self.events.append((hub, held, cap, cohost, kind))
        self.linked.append({})
        self.open[hub].append(event)
        self.last_event[hub] = held
        return event

    def _introduction(self, index: int, bits: int) -> int | None:
        plan = self.plan
        firm = plan.c_company[index]
        first_id = self.ctx.first_ids["introduction"]
        draws = [((bits >> shift) & 0xFFFF) * _SIXTEEN_BITS for shift in (0, 16, 32, 48)]
        if not plan.c_first[index]:
            known = self.introduced.get(firm)
            if known is None or draws[0] >= BANK_VISIT_SHARE:
                return None
            return first_id + known
        hub, day = plan.c_hub[index], plan.c_day[index]
        banks = self.pool.banks.get(hub)
        if not banks or draws[1] >= INTRODUCED_SHARE:
            return None
        bank = banks[0] if draws[2] < 0.65 else banks[-1]
        on = BusinessDays.after(day, -_between(draws[3], 5, 40))
        on = min(max(on, FIRST_DAY), day)
        self.introduced[firm] = len(self.introductions)
        self.introductions.append((hub, bank, firm, on, index))
        return first_id + len(self.introductions) - 1

    # --- the events' and introductions' rows -------------------------------------------------

    def event_rows(self) -> Iterator[tuple]:
        ctx, plan, stamp = self.ctx, self.plan, self.ctx.clock.stamp
        first_id = ctx.first_ids["outreach_event"]
        bank_names = self._bank_names()
        for event, (hub, held, _cap, cohost, kind) in enumerate(self.events):
            key = first_id + event
            code = plan.hubs[hub]
            rng = random.Random(f"{self.seed}:event:{key}")
            if kind == EventKind.SEMINAR.value:
                titles: Sequence[str] = SEMINAR_TITLES
                if dt.date.fromordinal(held).year >= 2018:
                    titles = (*SEMINAR_TITLES, SIDE_JOB_TITLE)
            else:
                titles = OTHER_TITLES[kind]
            title = rng.choice(titles)
            city = rng.choice(names.CITIES.get(code) or [("", "", "")])[0]
            venue = f"{city}{rng.choice(VENUES)}"
            if cohost is not None:
                title = f"{title}（{bank_names.get(cohost, '')}共催）"
                if rng.random() < 0.4:
                    venue = f"{bank_names.get(cohost, '')} 本店会議室"
            notes = rng.choice(EVENT_NOTES) if rng.random() < 0.3 else None
            made = self._event_made(held, rng)
            user = ctx.managers[hub]
            yield (
                key,
                code,
                ctx.writer.date(held),
                kind,
                title,
                venue,
                notes,
                stamp(*made),
                user,
                stamp(*made),
                user,
                1,
            )

    def _event_made(self, held: int, rng: random.Random) -> tuple[int, int]:
        """Registered two to six weeks before it was held (on its day for the very first)."""
        day = BusinessDays.after(held, -rng.randint(14, 42))
        if day < FIRST_DAY:
            return held, 8 * 3600
        return day, rng.randint(9 * 3600, 18 * 3600)

    def _bank_names(self) -> dict[int, str]:
        return {
            bank: name
            for hub, hub_banks in self.pool.banks.items()
            if hub < len(self.plan.hubs)
            for bank, name in zip(
                hub_banks, names.regional_bank_names(self.plan.hubs[hub]), strict=False
            )
        }

    def cohost_rows(self) -> Iterator[tuple]:
        first_id, next_id = self.ctx.first_ids["outreach_event"], self.ctx.first_ids["event_cohost"]
        for event, (hub, _held, _cap, cohost, _kind) in enumerate(self.events):
            if cohost is not None:
                yield (next_id, first_id + event, cohost, self.plan.hubs[hub])
                next_id += 1

    def attendee_rows(self) -> Iterator[tuple]:
        """The firms that came to each event: those that consulted from it, then others of the
        hub (most known before it, some first met within the year after), 10–40 in all."""
        ctx, plan, stamp = self.ctx, self.plan, self.ctx.clock.stamp
        first_event, next_id = ctx.first_ids["outreach_event"], ctx.first_ids["event_attendee"]
        company_times, today = ctx.times.company, plan.today
        for event, (hub, held, _cap, _cohost, _kind) in enumerate(self.events):
            key = first_event + event
            rng = random.Random(f"{self.seed}:attendees:{key}")
            links = self.linked[event]
            wanted = max(len(links) + rng.randint(2, 6), rng.randint(MIN_ATTENDANCE, 28))
            wanted = min(wanted, MAX_ATTENDANCE)
            firms, days = self.hub_firms[hub], self.hub_firm_days[hub]
            known = bisect.bisect_left(days, held)  # firms met before the event
            later = bisect.bisect_right(days, held + 365)
            chosen = _sample(
                rng, firms[max(0, known - 400) : known], int((wanted - len(links)) * 0.85), links
            )
            short = wanted - len(links) - len(chosen)
            chosen += _sample(rng, firms[known:later], short, links)
            short = wanted - len(links) - len(chosen)  # the year after is not over yet
            if short > 0:
                taken = {*links, *chosen}
                chosen += _sample(rng, firms[max(0, known - 400) : known], short, taken)
            # Entered from the sign-in sheet a few days after, a firm first met later with
            # its registration, a firm that consulted from it before that consultation.
            sheet_day = min(BusinessDays.after(held, rng.randint(1, 5)), today)
            sheet = (max(sheet_day, held), rng.randint(9 * 3600, 18 * 3600))
            entries: list[tuple[int, tuple[int, int]]] = []
            for firm in [*links, *chosen]:
                registered = (plan.co_day[firm], company_times[firm])
                at = min(sheet, links[firm]) if firm in links else sheet
                entries.append((firm, max(at, registered)))
            user = ctx.managers[hub]
            code = plan.hubs[hub]
            for firm, (day, second) in sorted(entries, key=lambda entry: entry[1]):
                yield (next_id, key, self.first_company + firm, code, stamp(day, second), user)
                next_id += 1

    def introduction_rows(self) -> Iterator[tuple]:
        ctx, plan, stamp = self.ctx, self.plan, self.ctx.clock.stamp
        first_id = ctx.first_ids["introduction"]
        for offset, (hub, bank, firm, on, index) in enumerate(self.introductions):
            # Recorded with the firm, at its first consultation.
            made = stamp(plan.co_day[firm], ctx.times.company[firm])
            draw = _unit(self.salt, index, 11)
            notes = INTRODUCTION_NOTES[int(draw * 10) % 4] if draw < 0.5 else None
            user = ctx.managers[hub]
            yield (
                first_id + offset,
                plan.hubs[hub],
                bank,
                self.first_company + firm,
                ctx.writer.date(on),
                notes,
                made,
                user,
                made,
                user,
                1,
            )

    # --- referrals and the partners' reports -------------------------------------------------

    def referrals(self, rows: Iterable[tuple]) -> Iterator[tuple]:
        """The referral rows (``rows.referral_rows``, in their order) with what was shared
        with the partner and its latest report."""
        plan, ctx = self.plan, self.ctx
        needs, referrals, today = plan.needs, plan.referrals, plan.today
        portal = PORTAL_FROM.toordinal()
        reporters = self.reporters
        # The referrals a partner's account may see: (need id, partner) -> their places in
        # the plan, by day (rows of one need and partner come in that order).
        shared: dict[tuple[int, int], list[int]] = {}
        for index, (day, need_index, partner, _outcome, _settled) in enumerate(referrals):
            if partner in reporters and portal <= day <= today:
                shared.setdefault((needs[need_index].id, partner), []).append(index)
        for indexes in shared.values():
            indexes.sort(key=lambda i: referrals[i][0], reverse=True)
        salt = _salt(self.seed, "reports")
        at = {name: i for i, name in enumerate(BASE_REFERRAL_COLUMNS)}
        id_at, need_at, partner_at = at["id"], at["need_id"], at["partner_id"]
        day_at, date = at["referred_on"], ctx.writer.date
        outcome_at = at["outcome"]
        not_shared = (False, False, None, None, None, None, None, None)
        for row in rows:
            partner = row[partner_at]
            reporter = reporters.get(partner)
            if reporter is None:
                yield (*row, *not_shared)
                continue
            waiting = shared.get((row[need_at], partner))
            if not waiting or date(referrals[waiting[-1]][0]) != row[day_at]:
                yield (*row, *not_shared)  # made before the portal
                continue
            index = waiting.pop()
            if _unit(salt, row[id_at], 0) >= SHARED_SHARE:
                yield (*row, *not_shared)
                continue
            day, need_index, _partner, _outcome, settled = referrals[index]
            firm_name = _unit(salt, row[0], 1) < FIRM_NAME_SHARE
            need = needs[need_index]
            placed = self.placed.get((need.id, partner))
            reports = _reports(
                salt,
                row[0],
                (day, ctx.times.referral[index]),
                row[outcome_at],
                settled,
                placed,
                today,
            )
            latest: tuple = (None, None, None, None)
            count = None
            for stage, candidates, reason, placed_on, (on, second) in reports:
                reported_at = ctx.clock.stamp(on, second)
                self.reports.append(
                    (
                        row[1],
                        partner,
                        row[0],
                        stage,
                        candidates,
                        reason,
                        None if placed_on is None else ctx.writer.date(placed_on),
                        ctx.writer.date(on),
                        reported_at,
                        reporter,
                    )
                )
                count = candidates if candidates is not None else count
                latest = (stage, reason, reported_at, placed_on)
            stage, reason, reported_at, placed_on = latest
            yield (
                *row,
                True,
                firm_name,
                stage,
                count,
                reason,
                reported_at,
                None if placed_on is None else ctx.writer.date(placed_on),
                placed[0] if stage == _STAGE_PLACED and placed else None,
            )

    def report_rows(self) -> Iterator[tuple]:
        next_id = self.ctx.first_ids["referral_report"]
        for hub, partner, referral, stage, count, reason, placed_on, on, at, by in self.reports:
            yield (next_id, referral, hub, partner, stage, count, reason, placed_on, on, at, by)
            next_id += 1


def _sample(
    rng: random.Random, firms: list[int], count: int, besides: Collection[int]
) -> list[int]:
    """Up to ``count`` of ``firms`` at random, none of ``besides``."""
    if count <= 0 or not firms:
        return []
    drawn = rng.sample(firms, min(len(firms), count + len(besides)))
    return [firm for firm in drawn if firm not in besides][:count]


# --- one referral's reports ----------------------------------------------------------------------

ON_TIME_SHARE = 0.87  # first reports within seven days of the referral
_OFFICE = (9 * 3600, 18 * 3600)
_Report = tuple[str, int | None, str | None, int | None, tuple[int, int]]


def _business_days_after(day: int, count: int) -> int:
    for _ in range(count):
        day = BusinessDays.on_or_after(day + 1)
    return day


def _first_report_day(draws: list[float], day: int) -> int:
    """Received within seven days mostly (one to five business days), some later."""
    if draws[0] < ON_TIME_SHARE:
        received = _business_days_after(day, _between(draws[1], 1, 5))
        if received - day > 7:
            received = BusinessDays.on_or_before(day + 7)
        return received if received > day else _business_days_after(day, 1)
    return BusinessDays.on_or_after(day + _between(draws[1], 8, 25))


def _reports(
    salt: int,
    key: int,
    made: tuple[int, int],
    outcome: str,
    settled: int | None,
    placed: tuple[int, int, int] | None,
    today: int,
) -> list[_Report]:
    """A shared referral's reports up to ``today``, oldest first: (stage, candidates, reason,
    placed on, (day, second)). ``made``: when the referral was entered; ``placed``: the
    placement (id, day, second) of the need by this partner, if any."""
    day = made[0]
    draws = _draws(salt, key, 16)
    received = _first_report_day(draws, day)
    candidates = _between(draws[2], 1, 4)
    final: tuple[str, str | None, int] | None = None  # stage, reason, day
    middle: list[str] = [_RECEIVED]
    if outcome == _PLACED and placed is not None:
        middle += [_PRESENTING, _INTERVIEWING]
        if draws[3] < 0.7:
            middle.append(_OFFERED)
        final = (_STAGE_PLACED, None, placed[1])
    elif settled is not None and settled <= today:
        draw = draws[4]
        if outcome == _NO_MATCH:
            reason = _NO_CANDIDATES if draw < 0.7 else _CONDITIONS
        elif outcome == _WITHDRAWN:
            reason = _FIRM_DECLINED
            if draw < 0.5:
                middle.append(_PRESENTING)
        else:  # candidates were presented; the need was filled by another partner
            middle.append(_PRESENTING)
            if draw < 0.4:
                middle.append(_INTERVIEWING)
            reason = (
                _FIRM_DECLINED
                if draw < 0.6
                else _CANDIDATE_DECLINED
                if draw < 0.85
                else _OTHER_REASON
            )
        final = (_DECLINED, reason, max(settled, day))
    elif outcome == _CANDIDATES or draws[5] < 0.5:  # still searching
        middle.append(_PRESENTING)
        if draws[6] < 0.4:
            middle.append(_INTERVIEWING)

    days: list[int] = []
    if final is None:
        # Searching: each step two to six weeks after the one before, up to today.
        step_day = received
        for position in range(len(middle)):
            if position:
                weeks = _between(draws[6 + position], 14, 42)
                step_day = BusinessDays.after(step_day, weeks)
            if step_day > today:
                break
            days.append(step_day)
        middle = middle[: len(days)]
    else:
        end = final[2]
        if received < end:
            days = [received] + [
                BusinessDays.part_way(received, end, position / len(middle))
                for position in range(1, len(middle))
            ]
            kept = [i for i, d in enumerate(days) if d < end]
            middle, days = [middle[i] for i in kept], [days[i] for i in kept]
        else:
            middle = []
        days.append(end)
        middle.append(final[0])

    reports: list[_Report] = []
    before = made
    for position, (stage, on) in enumerate(zip(middle, days, strict=True)):
        second = _between(draws[10 + position], *_OFFICE)
        if on == before[0]:
            second = max(second, before[1] + 300)
        at = (on, second)
        if stage == _STAGE_PLACED and placed is not None:
            # Reported before the hub confirmed it as the placement that day (after the
            # referral was entered), the steps before it earlier still.
            at = max(min(at, (placed[1], placed[2] - 60)), (made[0], made[1] + 1))
            while reports and reports[-1][4] >= at:
                reports.pop()
            reports.append((stage, None, None, placed[1], at))
        elif at > before:
            count = candidates if stage == _PRESENTING else None
            why = final[1] if final is not None and stage == _DECLINED else None
            reports.append((stage, count, why, None, at))
        else:
            continue
        before = at
    return reports
