"""Planning each row of a file: its cells read and checked with the input shape, the rules of
its entity (the same ``crm.rules`` the services call), and what it will do (create, update,
unchanged)."""

from collections.abc import Callable
from itertools import islice

from pydantic import BaseModel
from sqlalchemy import select

from crm import rules
from crm.areas import residence_of
from crm.csvio.columns import BOOL, DATE, INT, REFERENCES
from crm.csvio.dates import parse_date, parse_stamp
from crm.csvio.excel import CP932_VARIANTS
from crm.csvio.import_cells import nfkc, read_bool, read_choice, read_hub, read_int, safe_int
from crm.csvio.import_match import (
    Run,
    corporate_owners,
    first_records_of_needs,
    stored_needs_by_consultation,
    stored_placements,
)
from crm.csvio.import_report import Planned
from crm.csvio.reading import (
    ParsedFile,
    Record,
    RowError,
)
from crm.entities import (
    CompanyInput,
    ConsultationInput,
    ContactInput,
    FollowUpInput,
    NeedInput,
    PartnerInput,
    PlacementInput,
    ReferralInput,
    StatusChangeInput,
)
from crm.errors import ValidationError
from crm.models import (
    Partner,
)
from crm.reference import NeedStatus, TargetStatus
from crm.services.merge import require_not_merged
from crm.services.targets import validated_target
from crm.validation import parse_input

CHUNK = 2000
INPUTS: dict[str, type[BaseModel]] = {
    "companies": CompanyInput,
    "consultations": ConsultationInput,
    "needs": NeedInput,
    "referrals": ReferralInput,
    "placements": PlacementInput,
    "follow_ups": FollowUpInput,
    "partners": PartnerInput,
    "contacts": ContactInput,
    "need_history": StatusChangeInput,
}
FIELD_COLUMNS = {"category_id": "category"}  # input-model field -> column it comes from


class RowCheck:
    """Collects the errors of one row against the headers of its file."""

    def __init__(self, run: Run, parsed: ParsedFile, number: int, raw: dict):
        self.run, self.parsed, self.number, self.raw = run, parsed, number, raw
        self.failed: set[str] = set()
        self.errors: list[tuple[str, RowError]] = []
        self.local_key: int | None = None  # the row's id, when it is a key of this bundle only

    def error(self, key: str, reason: str) -> None:
        if key in self.failed:
            return
        self.failed.add(key)
        key = FIELD_COLUMNS.get(key, key)
        header = (
            self.parsed.header(key) if key in {c.key for c in self.parsed.spec.columns} else key
        )
        self.errors.append((key, RowError(self.parsed.name, self.number, header, reason)))

    def flush(self) -> None:
        """Hand the row's errors to the report, left to right as the columns stand in the file."""
        order = {key: index for index, key in enumerate(self.parsed.headers)}
        self.errors.sort(key=lambda item: order.get(item[0], len(order)))
        self.run.report.errors.extend(error for _, error in self.errors)
        self.errors.clear()

    def typed(self) -> dict:
        """The row's cells as Python values for the input model (errors recorded per cell)."""
        data: dict = {}
        for column in self.parsed.spec.columns:
            if not column.importable or column.key not in self.raw:
                continue
            value = self.raw[column.key]
            if value is None:
                data[column.key] = None
                continue
            try:
                if column.kind == DATE:
                    value = parse_date(value)
                elif column.kind == INT:
                    value = read_int(value)
                elif column.kind == BOOL:
                    value = read_bool(value)
                elif column.enum is not None:
                    value = read_choice(column.enum, value)
            except ValueError as error:
                self.error(column.key, str(error))
                continue
            data[column.key] = value
        return data

    def model(self, entity: str, data: dict):
        try:
            return parse_input(INPUTS[entity], data)
        except ValidationError as error:
            for key, reason in error.fields.items():
                self.error(key, reason)
            return None


Rule = Callable[[Run, RowCheck, dict, int | None, dict | None], Planned | None]


def validate_file(run: Run, parsed: ParsedFile, keep: Callable[[list[Planned]], None]) -> None:
    """Check every row of ``parsed`` and hand the rows to write to ``keep``, a chunk at a time
    (what the rows refer to is loaded per chunk, in one go rather than row by row)."""
    spec = parsed.spec
    entity = spec.name
    run.report.errors.extend(parsed.errors)
    seen_ids: dict[int, int] = {}
    if entity == "placements" and "need_id" in parsed.headers:
        stored_placements(run)
    rule = RULES[entity]
    records = iter(parsed.records)
    while chunk := list(islice(records, CHUNK)):
        _load_for(run, parsed, chunk)
        keep(_validate_rows(run, parsed, rule, chunk, seen_ids))
        run.forget(entity)


def _load_for(run: Run, parsed: ParsedFile, chunk: list[Record]) -> None:
    """The stored rows a chunk names: its own records, those it refers to, the firms of its
    corporate numbers."""
    entity = parsed.spec.name
    run.stored(entity, [i for _, raw in chunk if (i := safe_int(raw.get("id"))) is not None])
    for key, target in REFERENCES.items():
        if key in parsed.headers and target != "partners":
            run.stored(
                target,
                [
                    run.id_map[target].get(i, i)
                    for _, raw in chunk
                    if (i := safe_int(raw.get(key))) is not None
                ],
            )
    if entity == "companies":
        numbers = {n for _, raw in chunk if (n := raw.get("corporate_number"))}
        run.corporate.update(corporate_owners(run, numbers))


def _validate_rows(
    run: Run, parsed: ParsedFile, rule: Rule, chunk: list[Record], seen_ids: dict[int, int]
) -> list[Planned]:
    spec = parsed.spec
    entity = spec.name
    rows: list[Planned] = []
    for number, raw in chunk:
        check = RowCheck(run, parsed, number, raw)
        data = check.typed()
        file_id = data.pop("id", None)
        version = data.pop("version", None)
        if file_id is not None:
            for key, reason in rules.record_id(file_id).items():
                check.error(key, reason)
                file_id = None
        if file_id is not None:
            if file_id in seen_ids:
                check.error(
                    "id", f"ID {file_id} がこのファイルの {seen_ids[file_id]} 行目と重複しています"
                )
            else:
                seen_ids[file_id] = number
        if entity != "partners":
            row_hub = read_hub(data.pop("hub_code", None))
            if row_hub is not None and row_hub != run.hub:
                check.error(
                    "hub_code", f"拠点コード {row_hub} の行は拠点 {run.hub} に取り込めません"
                )
        existing = None
        if file_id is not None:
            existing = run.db[entity].get(file_id)
            if existing is not None and existing.get("hub_code", run.hub) != run.hub:
                check.error("id", f"ID {file_id} は他の拠点の{spec.label}です（取り込めません）")
                existing = None
            elif entity == "companies" and existing is not None:
                if not takes_records(run, check, "id", existing):
                    existing = None
            elif existing is None and not run.restore:
                # Not a record of the hub: only a key of this bundle, never a database id.
                if file_id in run.references[entity]:
                    check.local_key = file_id
                else:
                    check.error(
                        "id",
                        f"ID {file_id} の{spec.label}はありません。新しい行はIDを空欄にしてください"
                        "（IDはデータベースが付けます）",
                    )
                file_id = None
        planned = rule(run, check, data, file_id, existing)
        run.tick()
        if planned is not None and run.restore and planned.action == "create":
            planned.stamps = _restored_stamps(check, version)
        if planned is None or check.failed:
            check.flush()
            continue
        if planned.before is not None:
            if parsed.encoding.startswith("cp932"):
                _keep_cp932_variants(planned.values, planned.before)
            changed = {k: v for k, v in planned.values.items() if planned.before.get(k) != v}
            if not changed:
                planned.action = "unchanged"
            elif version is not None and version != planned.before.get("version"):
                check.error(
                    "version",
                    f"この行は出力後に更新されています（現在の版 {planned.before.get('version')}、"
                    f"ファイルの版 {version}）。最新の記録を出力し直してください",
                )
                check.flush()
                continue
        named = planned.id if planned.id is not None else planned.local
        if named is not None and named in run.references[entity]:  # another file names it
            run.mine[entity][named] = {
                **(planned.before or {}),
                **planned.values,
                "id": named,
                "_new": planned.before is None,
            }
        if planned.local is not None and planned.action == "create":
            run.local_keys[entity].add(planned.local)
        rows.append(planned)
    return rows


def _restored_stamps(check: RowCheck, version: int | None) -> dict:
    """What a restore keeps of a row besides its fields: its version and the times it was
    created, changed (approved, moved) — so the weekly export and every page read the same
    history afterwards. Who did it is not in the files (accounts are not exported)."""
    stamps: dict = {} if version is None else {"version": version}
    for column in check.parsed.spec.columns:
        if not column.restored or check.raw.get(column.key) is None:
            continue
        try:
            stamps[column.key] = parse_stamp(check.raw[column.key])
        except ValueError as error:
            check.error(column.key, str(error))
    return stamps


def _keep_cp932_variants(values: dict, before: dict) -> None:
    """A CP932 file cannot tell 〜 (U+301C) from ～ (U+FF5E), − from －, ‖ from ∥, — from ―,
    ¢ £ ¬ from ￠ ￡ ￢ (one byte each): a text equal to the stored one but for these keeps the
    stored characters, so re-importing a hub's own CP932 export changes nothing."""
    for key, value in values.items():
        stored = before.get(key)
        if (
            isinstance(value, str)
            and isinstance(stored, str)
            and value != stored
            and value.translate(CP932_VARIANTS) == stored.translate(CP932_VARIANTS)
        ):
            values[key] = stored


def plan_row(
    run: Run,
    entity: str,
    check: RowCheck,
    values: dict,
    file_id: int | None,
    existing: dict | None,
) -> Planned:
    if existing is not None:
        # A column the file leaves out keeps its stored value instead of being blanked.
        present = {FIELD_COLUMNS.get(k, k) for k in values} & set(check.parsed.headers)
        kept = {
            k: existing[k]
            for k in values
            if FIELD_COLUMNS.get(k, k) not in present and k in OPTIONAL_FIELDS
        }
        return Planned(check.number, "update", existing["id"], {**values, **kept}, existing)
    if file_id is not None:
        # A restore keeps the file's id unless another hub uses that id.
        if file_id in run.db[entity]:
            check.error("id", f"ID {file_id} は他の拠点の記録で使われています")
    elif entity != "partners":
        same = run.same_content(entity, values)
        if same is not None:
            if check.local_key is not None:
                run.id_map[entity][check.local_key] = same["id"]
            return Planned(check.number, "unchanged", same["id"], values, same)
    return Planned(check.number, "create", file_id, values, local=check.local_key)


def in_hub(
    run: Run, check: RowCheck, key: str, entity: str, ref: int | None, label: str
) -> dict | None:
    """The referenced row of this hub (stored or in this import), or an error."""
    if ref is None:
        return None
    ref = run.id_map[entity].get(ref, ref)
    row = run.record(entity, ref)
    if row is None:
        check.error(
            key, f"{label}ID {ref} は登録されていません（既存の記録にも、この取込にもありません）"
        )
        return None
    if row.get("hub_code") != run.hub:
        check.error(key, f"{label}ID {ref} は他の拠点の{label}です")
        return None
    if entity == "companies" and not takes_records(run, check, key, row):
        return None
    return row


def takes_records(run: Run, check: RowCheck, key: str, company: dict) -> bool:
    """A firm merged into another takes no new or changed record (the rule every path obeys,
    ``crm.services.merge.require_not_merged``: the reason names the firm it now lives on)."""
    if company.get("merged_into") is None:
        return True
    try:
        require_not_merged(run.session, company["id"], key)
    except ValidationError as refusal:
        add_errors(check, refusal.fields)
        return False
    return True


# --- rules per entity ---------------------------------------------------------------------------


def add_errors(check: RowCheck, errors: rules.Errors) -> None:
    for key, reason in errors.items():
        check.error(key, reason)


def _companies(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("companies", data)
    if parsed is None:
        return None
    values = parsed.model_dump()
    number = values["corporate_number"]
    if number is not None:
        first = run.corporate_rows.get(number)
        if first is not None:
            check.error(
                "corporate_number",
                f"法人番号 {number} がこのファイルの {first} 行目と重複しています",
            )
            return None
        run.corporate_rows[number] = check.number
        owner = run.corporate.get(number)
        if owner is not None and existing is None and owner[1] == run.hub:
            # A firm of the hub with this number: the row describes that firm.
            run.stored("companies", [owner[0]])
            existing = run.db["companies"][owner[0]]
            key = file_id if file_id is not None else check.local_key
            if key is not None:
                run.id_map["companies"][key] = owner[0]
            check.local_key = None
        errors = rules.corporate_number_free(
            number, owner, run.hub, None if existing is None else existing["id"]
        )
        if errors:
            add_errors(check, errors)
            return None
    return plan_row(run, "companies", check, {**values, "hub_code": run.hub}, file_id, existing)


def _consultations(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("consultations", data)
    company = in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    if parsed is None or company is None or check.failed:
        return None
    values = parsed.model_dump()
    values["company_id"] = company["id"]
    values["hub_code"] = run.hub
    if existing is not None and (
        values["company_id"] != existing["company_id"]
        or values["consulted_on"] != existing["consulted_on"]
    ):  # stored needs opened from it stay with its firm and after it
        companies, first_opened = stored_needs_by_consultation(run).get(
            existing["id"], (set(), None)
        )
        add_errors(
            check,
            rules.consultation_of_needs(
                values["company_id"], values["consulted_on"], companies, first_opened
            ),
        )
        if check.failed:
            return None
    return plan_row(run, "consultations", check, values, file_id, existing)


def _needs(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    category = data.pop("category", None)
    status = data.pop("status", None)
    if category is not None:
        data["category_id"] = run.categories.get(nfkc(category)) or run.categories.get(
            nfkc(category).lower()
        )
        if data["category_id"] is None:
            add_errors(check, rules.known_category(category, False, run.category_names))
            data["category_id"] = 0  # reported; lets the other fields be checked
    if status is not None and status not in NeedStatus.labels():
        check.error("status", rules.not_a_choice(status))
        status = None
    parsed = check.model("needs", data)
    company = in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    consultation = in_hub(
        run, check, "consultation_id", "consultations", data.get("consultation_id"), "相談"
    )
    if parsed is None or company is None or check.failed:
        return None
    values = parsed.model_dump()
    values["company_id"] = company["id"]
    if consultation is not None:
        values["consultation_id"] = consultation["id"]
        add_errors(
            check,
            rules.need_consultation(
                company["id"],
                values["opened_on"],
                consultation["company_id"],
                consultation["consulted_on"],
            ),
        )
    if existing is not None and values["opened_on"] != existing["opened_on"]:
        # not opened after its own stored referrals and placements
        referred, placed = first_records_of_needs(run).get(existing["id"], (None, None))
        add_errors(check, rules.need_before_its_records(values["opened_on"], referred, placed))
    before = None if existing is None else existing["status"]
    values["status"] = status or before or NeedStatus.OPEN.value
    if values["status"] != before:
        key = existing["id"] if existing is not None else (file_id or check.local_key)
        placements = run.placements_in_files[key] if key is not None else 0
        if existing is not None:
            placements += stored_placements(run)[existing["id"]]
        add_errors(check, rules.need_move(before, values["status"], placements))
    values["hub_code"] = run.hub
    return None if check.failed else plan_row(run, "needs", check, values, file_id, existing)


def _need_for(
    run: Run, check: RowCheck, data: dict, existing: dict | None, date_key: str
) -> dict | None:
    need = in_hub(run, check, "need_id", "needs", data.get("need_id"), "ニーズ")
    if need is None:
        return None
    add_errors(check, rules.after_need_opened(date_key, data.get(date_key), need["opened_on"]))
    # Rows added to a need this import does not itself carry meet the forms' workflow rules
    # (a need the import carries brings its own history, e.g. a restore).
    if existing is None and "_new" not in need:
        if date_key == "referred_on":
            add_errors(check, rules.referral_to_need(need["status"]))
        else:
            add_errors(check, rules.placement_for_need(need["status"]))
    return need


def _check_partner(run: Run, check: RowCheck, data: dict) -> None:
    partner_id = data.get("partner_id")
    add_errors(check, rules.partner_known(partner_id, partner_id in run.partners))


def _referrals(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("referrals", data)
    need = _need_for(run, check, data, existing, "referred_on")
    _check_partner(run, check, data)
    if parsed is None or need is None or check.failed:
        return None
    values = parsed.model_dump()
    values["need_id"] = need["id"]
    values["hub_code"] = run.hub
    return plan_row(run, "referrals", check, values, file_id, existing)


def _placements(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("placements", data)
    need = _need_for(run, check, data, existing, "placed_on")
    _check_partner(run, check, data)
    if parsed is None or need is None or check.failed:
        return None
    values = parsed.model_dump()
    values["need_id"] = need["id"]
    values["engagement"] = values["engagement"] or need["engagement"]
    values["company_id"] = need["company_id"]
    values["hub_code"] = run.hub
    if values.get("previous_prefecture") and run.hub is not None:
        values["previous_residence"] = residence_of(values["previous_prefecture"], run.hub)
    return plan_row(run, "placements", check, values, file_id, existing)


def _follow_ups(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("follow_ups", data)
    company_id = data.get("company_id")
    if company_id is not None:
        company_id = run.id_map["companies"].get(company_id, company_id)
    placement = in_hub(run, check, "placement_id", "placements", data.get("placement_id"), "成約")
    company = None
    if placement is None and company_id is not None:
        company = in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    add_errors(
        check,
        rules.follow_up_target(
            company_id,
            data.get("placement_id"),
            None if placement is None else placement["company_id"],
        ),
    )
    if parsed is None or check.failed:
        return None
    values = parsed.model_dump()
    if placement is not None:
        values["placement_id"] = placement["id"]
        values["company_id"] = placement["company_id"]
    elif company is not None:
        values["company_id"] = company["id"]
    values["hub_code"] = run.hub
    return plan_row(run, "follow_ups", check, values, file_id, existing)


def _contacts(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("contacts", data)
    company = in_hub(run, check, "company_id", "companies", data.get("company_id"), "企業")
    if parsed is None or company is None or check.failed:
        return None
    values = {**parsed.model_dump(), "company_id": company["id"], "hub_code": run.hub}
    return plan_row(run, "contacts", check, values, file_id, existing)


def _targets(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    try:
        target = validated_target(run.session, {**data, "hub_code": run.hub})
    except ValidationError as error:
        add_errors(check, error.fields)
        return None
    first = run.target_years.setdefault(target.fiscal_year, check.number)
    if first != check.number:
        check.error(
            "fiscal_year",
            f"{target.fiscal_year}年度の目標がこのファイルの {first} 行目と重複しています",
        )
        return None
    status = data.get("status")
    if status not in TargetStatus.labels():
        choices = "／".join(TargetStatus.labels().values())
        check.error(
            "status",
            f"承認を入力してください（{choices}）"
            if status is None
            else rules.not_a_choice(status) + f"（{choices}）",
        )
        return None
    values = {**target.model_dump(), "status": status}
    return plan_row(run, "targets", check, values, file_id, existing)


def _need_history(
    run: Run, check: RowCheck, data: dict, file_id: int | None, existing: dict | None
) -> Planned | None:
    parsed = check.model("need_history", data)
    need = in_hub(run, check, "need_id", "needs", data.get("need_id"), "ニーズ")
    if parsed is None or need is None or check.failed:
        return None
    values = {**parsed.model_dump(), "need_id": need["id"], "hub_code": run.hub}
    add_errors(
        check, rules.after_need_opened("changed_on", values["changed_on"], need["opened_on"])
    )
    if check.failed:
        return None
    return plan_row(run, "need_history", check, values, file_id, existing)


def _partners(run, check, data, file_id, existing):
    values = check.model(
        "partners", {**data, "active": True if data.get("active") is None else data["active"]}
    )
    if values is None:
        return None
    values = values.model_dump()
    if existing is None and file_id is None:
        match = (
            run.session.execute(
                select(Partner.id).where(
                    Partner.kind == values["kind"], Partner.name == values["name"]
                )
            )
            .scalars()
            .first()
        )
        if match is not None:
            run.stored("partners", [match])
            existing = run.db["partners"][match]
    planned = plan_row(run, "partners", check, values, file_id, existing)
    if planned.id is not None:
        run.partners.add(planned.id)
    return planned


# Fields a file may leave out when it updates records (derived fields are always recomputed).
OPTIONAL_FIELDS = {
    "kana",
    "corporate_number",
    "city",
    "industry",
    "employees",
    "capital_jpy",
    "notes",
    "stance",
    "next_action",
    "next_action_on",
    "consultation_id",
    "headcount",
    "salary_band",
    "status",
    "outcome",
    "engagement",
    "partner_id",
    "age_band",
    "previous_residence",
    "previous_prefecture",
    "done_on",
    "active",
    "prefecture_code",
}

RULES = {
    "companies": _companies,
    "consultations": _consultations,
    "needs": _needs,
    "referrals": _referrals,
    "placements": _placements,
    "follow_ups": _follow_ups,
    "partners": _partners,
    "contacts": _contacts,
    "targets": _targets,
    "need_history": _need_history,
}
