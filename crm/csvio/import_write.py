"""Running an import: one plan of rows, changes, the workflow's steps and follow-ups for the
whole import, written through the one write layer (``crm.writes``); the dry run is the same
write in a savepoint that is rolled back."""

from collections.abc import Iterator
from dataclasses import dataclass, field

from crm import workflow
from crm.csvio.columns import REFERENCES
from crm.csvio.export import MODELS
from crm.csvio.import_match import Run, stored_placements
from crm.csvio.import_report import ImportConflict, Planned
from crm.csvio.reading import (
    ParsedFile,
    RowError,
)
from crm.errors import StaleVersion
from crm.models import (
    FollowUp,
    NeedStatusChange,
    TalentNeed,
)
from crm.services.base import ENTITY_LABELS
from crm.timeutil import today_jst
from crm.writes import Key, Plan, apply, savepoint
from crm.writes.apply import WriteRefused, entity_name
from crm.writes.page_cache import bulk_page_cache

# --- writing ------------------------------------------------------------------------------------
# Every row and every effect goes through the one write layer (crm.writes) and the workflow's
# plain functions (crm.workflow), as a form's save does: one plan for the whole import.


def _origin(entity: str, row: int) -> tuple[str, int]:
    return (entity, row)


def _keyed(run: Run, values: dict) -> dict:
    """``values`` with references to new rows of this bundle replaced by the ids the database
    gave them (the file a row refers to is written before the row's own file)."""
    if not any(run.local_keys.values()):  # no new row of this bundle is referred to
        return values
    keyed = dict(values)
    for column, target in REFERENCES.items():
        value = keyed.get(column)
        if value is not None and value in run.local_keys[target]:
            keyed[column] = run.key_ids[Key(target, value)]
    return keyed


def _plans(run: Run) -> Iterator[tuple[Plan, int]]:
    """The import's writes, one plan per chunk of a file's rows (with the rows' workflow
    steps and follow-ups), then the steps of stored needs that new referrals and placements
    move along; each with the number of the files' rows it writes."""
    moves: dict[int, _NeedMove] = {}
    for entity, store in run.plans.items():
        model = MODELS[entity]
        for plans in store:
            plan = Plan(keep_ids=run.restore)
            for p in plans:
                origin = _origin(entity, p.row)
                if p.action == "create":
                    key = Key(entity, p.local if p.local is not None else ("row", p.row))
                    values = _keyed(run, p.values)
                    plan.insert(
                        model,
                        {**values, **p.stamps} if p.stamps else values,
                        key=key,
                        id=p.id if run.restore else None,
                        origin=origin,
                    )
                    p.key = key
                elif p.action == "update":
                    assert p.id is not None and p.before is not None  # it names its record
                    plan.change(
                        model,
                        p.id,
                        _version(p.before),
                        _keyed(run, p.values),
                        p.before,
                        origin=origin,
                    )
            if entity == "needs":
                _need_steps(run, plan, plans)
            if entity in {"referrals", "placements"}:
                _follow_on(run, plan, entity, [p for p in plans if p.action == "create"], moves)
            yield plan, len(plans)
    plan = Plan(keep_ids=run.restore)
    for move in moves.values():
        need = move.need
        plan.change(
            TalentNeed,
            need["id"],
            need["version"],
            {"status": move.steps[-1].to_status},
            need,
            origin=_origin(move.entity, move.row),
        )
        for step in move.steps:
            plan.insert(NeedStatusChange, step.row(need["id"], run.hub or ""))
    run.report.effects["needs_status"] += len(moves)
    yield plan, 0


def _need_steps(run: Run, plan: Plan, plans: list[Planned]) -> None:
    """Each new need's first step, and each status a file changes, as a form's move makes it
    (a file that carries the needs' history, a restore, brings its own steps instead)."""
    if "need_history" in run.entities_in_files:
        return
    for p in plans:
        hub = run.hub or ""
        if p.action == "create" and p.key is not None:
            step = workflow.opened(p.values["status"], p.values["opened_on"])
            plan.insert(NeedStatusChange, step.row(p.key, hub), origin=_origin("needs", p.row))
        elif p.action == "update" and p.before is not None:
            if p.values["status"] != p.before["status"]:
                step = workflow.Step(p.before["status"], p.values["status"], today_jst())
                plan.insert(NeedStatusChange, step.row(p.id, hub), origin=_origin("needs", p.row))


def _version(row: dict | None) -> int:
    assert row is not None  # an update always has the stored row it was checked against
    return int(row["version"])


@dataclass
class _NeedMove:
    """A stored need that new referrals or placements move along (as the forms do)."""

    need: dict  # the need as the import checked it
    entity: str  # the file and row that cause the (first) move
    row: int
    steps: list[workflow.Step] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.steps[-1].to_status if self.steps else self.need["status"]


def _follow_on(
    run: Run, plan: Plan, entity: str, creates: list[Planned], moves: dict[int, _NeedMove]
) -> None:
    """What the forms do after a new referral or placement, for needs this import does not
    itself carry: the workflow's step for the need (open → referred on a referral, → placed
    once the headcount is filled), and a follow-up after each placement (unless the import
    brings its own follow-ups)."""
    counts = stored_placements(run)
    follow_ups = 0
    for p in creates:
        need = run.record("needs", p.values["need_id"])
        assert need is not None  # the row was checked against it
        if entity == "placements" and "follow_ups" not in run.entities_in_files:
            plan.insert(
                FollowUp,
                {
                    **_keyed(run, {"hub_code": run.hub, "company_id": p.values["company_id"]}),
                    "placement_id": p.key,
                    **workflow.follow_up_after(p.values["placed_on"]),
                },
                origin=_origin(entity, p.row),
            )
            follow_ups += 1
        if "_new" in need:  # the import carries this need's own status
            continue
        move = moves.get(need["id"]) or _NeedMove(need, entity, p.row)
        if entity == "referrals":
            step = workflow.after_referral(move.status, p.values["referred_on"])
        else:
            counts[need["id"]] += 1
            step = workflow.after_placement(
                move.status, need["headcount"], counts[need["id"]], p.values["placed_on"]
            )
        if step is not None:
            move.steps.append(step)
            moves[need["id"]] = move
    run.report.effects["follow_ups"] += follow_ups


def write_import(run: Run) -> None:
    """Write the import's plans through the one write layer, chunk by chunk; a row someone
    saved meanwhile, or that the database refuses, is reported against its file and row
    (``ImportConflict``)."""
    try:
        with bulk_page_cache(run.session):
            _write_plans(run, run.total_rows)
    except StaleVersion as conflict:
        _refuse(run, [_conflict_error(run, conflict)])
    except WriteRefused as refusal:
        entity, row = refusal.origin or ("", 0)
        parsed = run.parsed.get(entity)
        name = parsed.name if parsed is not None else ""
        run.report.errors.append(RowError(name, row, "", str(refusal)))
        run.report.written = False
        raise RefusedByDatabase from None


def _write_plans(run: Run, total: int) -> None:
    written = 0
    for plan, rows in _plans(run):
        ids = apply(run.session, run.actor, plan, audit=not run.restore, pinpoint=True)
        # The ids of new rows that rows of later files name (keys of this bundle).
        run.key_ids.update(
            (key, row_id) for key, row_id in ids.items() if isinstance(key.local, int)
        )
        written += rows
        run.progress(
            0.7 + 0.3 * min(written / total, 1.0),
            f"書き込み中… {written:,} / {total:,} 行",
        )


class RefusedByDatabase(Exception):
    """The database refused a row (in the report); the caller rolls the write back."""


def _conflict_error(run: Run, conflict: StaleVersion) -> RowError:
    entity, row = conflict.origin if isinstance(conflict.origin, tuple) else ("", 0)
    parsed = run.parsed.get(entity)
    label = ENTITY_LABELS.get(conflict.entity, conflict.entity)
    changed = [
        f"{_label(parsed, key) if parsed else key}: {_shown(before)} → {_shown(after)}"
        for key, (before, after) in conflict.changes.items()
    ]
    if conflict.current_version == 0:
        reason = f"{label}（ID {conflict.row_id}）は取込の確認の後に削除されました"
    else:
        reason = (
            f"{label}（ID {conflict.row_id}）は取込の確認の後に他の利用者が更新しました"
            f"（版 {conflict.expected_version} → {conflict.current_version}"
            + (f"、変更: {'、'.join(changed)}" if changed else "")
            + "）。最新の記録を出力し直して取り込んでください"
        )
    column = ""
    if parsed is not None:
        # The file's own record, or the need a referral or placement of the file moves.
        own = entity_name(MODELS[entity]) == conflict.entity
        column = parsed.header("version" if own else "need_id")
    return RowError(parsed.name if parsed is not None else "", row, column, reason)


def _refuse(run: Run, errors: list[RowError]) -> None:
    run.report.errors.extend(errors)
    run.report.written = False
    raise ImportConflict(run.report)


def _label(parsed: ParsedFile, key: str) -> str:
    try:
        return parsed.spec.column(key).ja
    except StopIteration:
        return key


def _shown(value: object) -> str:
    return "（空欄）" if value is None else f"「{value}」"


def rehearse(run: Run) -> None:
    """The dry run: the whole write in a savepoint, then rolled back; what the database or a
    concurrent writer refused is in the report."""
    rehearsal = savepoint(run.session)
    try:
        write_import(run)
    except (ImportConflict, RefusedByDatabase):
        pass  # the report holds the refusal
    finally:
        rehearsal.rollback()
    run.report.written = False
