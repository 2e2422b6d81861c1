"""Who hired, for a hub whose figures about hiring firms are published (``published.py``).

The planner gives such a hub its placement days up to the published date; this module groups
them into needs, marks the side jobs, hands the needs to as many firms as were published (so
many hiring once, the others twice or more, a few firms hiring often), and gives each firm an
industry so that the published shares of hiring firms come out exactly (and the placements,
which the app's 内訳 counts, at the same rounded shares). Firms here are abstract (numbered by
their first hire); ``history.py`` ties each to a firm of the hub that consulted before it.
"""

import random
from collections.abc import Mapping
from dataclasses import dataclass

from crm.demo.profiles import Mix
from crm.demo.published import GROUP_DIVISION_MIX, OTHER_DIVISION_MIX, share_rounds_to

GROUP_SPAN = 120  # days: the hires of one need fall within this many days of its first
OTHER = ""  # the industry group of firms outside every published group


@dataclass
class Group:
    """One need's placements (day ordinals, ascending) and what it is planned to be."""

    days: list[int]
    side_job: bool = False
    firm: int = -1

    @property
    def size(self) -> int:
        return len(self.days)


def group_days(days: list[int], headcounts: Mix, rng: random.Random) -> list[Group]:
    """Placement days (ascending) as needs of one to a few hires each, as the planner groups
    any hub's."""
    groups: list[Group] = []
    i = 0
    while i < len(days):
        wanted = headcounts.pick(rng)
        group = [days[i]]
        j = i + 1
        while len(group) < wanted and j < len(days) and days[j] - days[i] <= GROUP_SPAN:
            group.append(days[j])
            j += 1
        groups.append(Group(group))
        i = j
    return groups


class PublishedFiguresError(ValueError):
    """The planned history cannot meet a hub's published figures (a bug in the plan)."""


def choose_side_jobs(
    groups: list[Group], windows: list[tuple[int, int, int]], rng: random.Random
) -> None:
    """Mark needs as side jobs so that each window (first day, last day, count; ordinals)
    holds exactly its count of side-job placements; no other need is one."""
    for group in groups:
        group.side_job = False
    for first, last, wanted in windows:
        inside = [g for g in groups if first <= g.days[0] and g.days[-1] <= last]
        rng.shuffle(inside)
        # Single hires first: the count comes out exact whatever the larger needs are.
        inside.sort(key=lambda g: g.size)
        chosen = 0
        for group in inside:
            if chosen + group.size <= wanted:
                group.side_job = True
                chosen += group.size
        if chosen != wanted:
            raise PublishedFiguresError(f"side jobs {chosen} != {wanted} in a window")


def assign_firms(
    groups: list[Group], hiring_firms: int, repeat_hirers: int, rng: random.Random
) -> int:
    """Give each need (``groups`` in time order) a firm: ``hiring_firms`` firms, of which
    ``repeat_hirers`` have two or more placements and the rest exactly one. Firms are numbered
    by their first need. Returns the number of firms."""
    singles_wanted = hiring_firms - repeat_hirers
    ones = [g for g in groups if g.size == 1]
    if len(ones) < singles_wanted or (repeat_hirers == 0 and len(groups) != singles_wanted):
        raise PublishedFiguresError("too few single hires for the firms that hired once")
    for group in groups:
        group.firm = -1
    for number, group in enumerate(rng.sample(ones, singles_wanted)):
        group.firm = number
    rest = [g for g in groups if g.firm < 0]
    if repeat_hirers:
        if sum(g.size for g in rest) < 2 * repeat_hirers or len(rest) < repeat_hirers:
            raise PublishedFiguresError("too few hires for the firms that hired again")
        _repeat_firms(rest, singles_wanted, repeat_hirers, rng)
    # Number firms by their first need, as the history meets them.
    order: dict[int, int] = {}
    for group in groups:
        group.firm = order.setdefault(group.firm, len(order))
    return len(order)


def _repeat_firms(rest: list[Group], first: int, count: int, rng: random.Random) -> None:
    """Firms ``first`` … ``first + count - 1`` for the needs ``rest`` (time order): each opens
    with one need and hires again at its own rate (a few firms hire often), then any firm left
    with a single hire takes a need from the busiest firm."""
    openings = {0, *rng.sample(range(1, len(rest)), count - 1)}
    opened: list[int] = []
    weights: list[float] = []
    rate = {firm: rng.lognormvariate(0, 1.0) for firm in range(first, first + count)}
    for index, group in enumerate(rest):
        if index in openings:
            group.firm = first + len(opened)
            opened.append(group.firm)
            weights.append(rate[group.firm])
        else:
            group.firm = rng.choices(opened, weights=weights)[0]
    placed = dict.fromkeys(opened, 0)
    for group in rest:
        placed[group.firm] += group.size
    for firm in sorted(f for f, n in placed.items() if n < 2):
        donor = max(placed, key=lambda f: (placed[f], -f))
        movable = [g for g in rest if g.firm == donor and placed[donor] - g.size >= 2]
        if not movable:
            raise PublishedFiguresError("no need to move to a firm with a single hire")
        group = movable[int(rng.random() * len(movable))]
        group.firm = firm
        placed[donor] -= group.size
        placed[firm] += group.size


def _counts_for(shares: Mapping[str, int], total: int) -> dict[str, int]:
    """For each group, the count nearest its share of ``total`` that rounds to it."""
    counts = {}
    for name, percent in shares.items():
        near = round(total * percent / 100)
        fits = [n for n in (near, near - 1, near + 1) if share_rounds_to(n, total, percent)]
        if not fits:
            raise PublishedFiguresError(f"no count of {total} is {percent}% ({name})")
        counts[name] = fits[0]
    if sum(counts.values()) > total:
        raise PublishedFiguresError("published shares add up to more than the whole")
    return counts


def assign_industries(
    placed: list[int], shares: Mapping[str, int], rng: random.Random, attempts: int = 50
) -> list[str]:
    """An industry group per firm (``placed``: each firm's placements): the published share of
    firms exactly (rounded), and of placements as near as the firms allow (within the
    rounding too, unless impossible); ``OTHER`` for the rest."""
    total_firms, total_placed = len(placed), sum(placed)
    firm_counts = _counts_for(shares, total_firms)
    ideal = {name: total_placed * percent / 100 for name, percent in shares.items()}
    best: tuple[float, list[str]] | None = None
    for _ in range(attempts):
        labels = [name for name, n in firm_counts.items() for _ in range(n)]
        labels += [OTHER] * (total_firms - len(labels))
        rng.shuffle(labels)
        labels = _nearer_shares(labels, placed, ideal)
        sums = dict.fromkeys(shares, 0)
        for label, n in zip(labels, placed, strict=True):
            if label != OTHER:
                sums[label] += n
        outside = sum(
            not share_rounds_to(sums[name], total_placed, percent)
            for name, percent in shares.items()
        )
        score = outside * 1e9 + sum((sums[n] - ideal[n]) ** 2 for n in shares)
        if best is None or score < best[0]:
            best = (score, labels)
        if not outside:
            break
    assert best is not None
    return best[1]


def _nearer_shares(labels: list[str], placed: list[int], ideal: dict[str, float]) -> list[str]:
    """Swap two firms' industries, the best swap first, while it brings the groups'
    placements nearer their ideal counts (least squares). Firms alike in industry and
    placements are interchangeable, so the swaps are searched among those kinds."""
    labels = list(labels)
    sums = dict.fromkeys(ideal, 0)
    for label, n in zip(labels, placed, strict=True):
        if label != OTHER:
            sums[label] += n

    def cost(name: str, count: int) -> float:
        return 0.0 if name == OTHER else (count - ideal[name]) ** 2

    while True:
        kinds = sorted(set(zip(labels, placed, strict=True)))
        best, swap = 0.0, None
        for la, pa in kinds:
            for lb, pb in kinds:
                if la >= lb or pa == pb:
                    continue
                moved = pb - pa  # a (now la) takes b's placements and the reverse
                gain = (
                    cost(la, sums.get(la, 0))
                    + cost(lb, sums.get(lb, 0))
                    - cost(la, sums.get(la, 0) + moved)
                    - cost(lb, sums.get(lb, 0) - moved)
                )
                if gain > best + 1e-9:
                    best, swap = gain, (la, pa, lb, pb)
        if swap is None:
            return labels
        la, pa, lb, pb = swap
        a = next(i for i, kind in enumerate(zip(labels, placed, strict=True)) if kind == (la, pa))
        b = next(i for i, kind in enumerate(zip(labels, placed, strict=True)) if kind == (lb, pb))
        labels[a], labels[b] = lb, la
        if la != OTHER:
            sums[la] += pb - pa
        if lb != OTHER:
            sums[lb] -= pb - pa


_DIVISIONS = {name: Mix(mix) for name, mix in GROUP_DIVISION_MIX.items()}
_OTHER_DIVISIONS = Mix(OTHER_DIVISION_MIX)


def division_of(group: str, rng: random.Random) -> str:
    """A JSIC division for a firm of an industry group."""
    return (_DIVISIONS.get(group) or _OTHER_DIVISIONS).pick(rng)
