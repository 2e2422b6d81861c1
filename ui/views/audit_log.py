"""監査ログ's columns: an entry read as a person reads it (the moment, the record by its kind,
the hub by name, each change by its field's name and values in words)."""

import datetime as dt
import json
from typing import Any

from crm.actor import SYSTEM
from crm.presentation.labels import FIELD_LABELS, day, industry_label, moment, prefecture_label
from crm.reference import (
    AgeBand,
    Channel,
    DeclineReason,
    Engagement,
    EventKind,
    LabelledEnum,
    NeedStatus,
    PartnerKind,
    ReferralOutcome,
    ReferralStage,
    Residence,
    Role,
    SalaryBand,
    SalesBand,
    Stance,
)
from crm.services.audit import AuditEntry
from crm.services.base import ENTITY_LABELS
from crm.services.notifications import KIND_LABELS
from ui import links
from ui.listing import Cell
from ui.record_list import Column, Context

# Kinds of entry that are no record: a view or a bundle written by an export or an import.
KINDS = ENTITY_LABELS | {"view": "一覧の表示", "bundle": "複数の表"}
FIELDS = FIELD_LABELS | {
    "username": "利用者名",
    "display_name": "表示名",
    "role": "役割",
    "hub_code": "拠点",
    "email": "メールアドレス",
    "password": "パスワード",
    "active": "利用",
    "failed_attempts": "失敗回数",
    "locked_until": "ロック期限",
    "name_ja": "名称",
    "kind": "種類",
    "code": "コード",
    "fiscal_year": "年度",
    "consultations": "相談件数",
    "placements": "成約件数",
    "merged_into_id": "統合先の企業",
    # notifications, partners' reports, events and introductions (issues 25, 28)
    "user_id": "利用者",
    "entity": "対象",
    "record_id": "記録ID",
    "text": "内容",
    "shared": "パートナーに共有",
    "share_firm_name": "企業名を共有",
    "stage": "報告の段階",
    "candidate_count": "候補者数",
    "decline_reason": "見送りの理由",
    "stage_reported_at": "報告日時",
    "reported_placed_on": "報告された成約日",
    "placement_id": "成約",
    "partner_notes": "パートナー向けメモ",
    "held_on": "開催日",
    "title": "名称",
    "venue": "会場",
    "introduced_on": "紹介日",
    "event_id": "きっかけのイベント",
    "introduction_id": "きっかけの紹介",
}
ENUMS: dict[str, type[LabelledEnum]] = {
    "role": Role,
    "channel": Channel,
    "stance": Stance,
    "engagement": Engagement,
    "status": NeedStatus,
    "outcome": ReferralOutcome,
    "kind": PartnerKind,
    "salary_band": SalaryBand,
    "sales_band": SalesBand,
    "age_band": AgeBand,
    "previous_residence": Residence,
}
# Fields whose codes depend on the record: a notification's kind is no partner's kind.
BY_ENTITY: dict[str, dict[str, dict[str, str]]] = {
    "notification": {"kind": KIND_LABELS, "entity": ENTITY_LABELS},
    "outreach_event": {"kind": EventKind.labels()},
    "referral": {"stage": ReferralStage.labels(), "decline_reason": DeclineReason.labels()},
    "referral_report": {
        "stage": ReferralStage.labels(),
        "decline_reason": DeclineReason.labels(),
    },
}
# The words sign-in and session entries record in English (crm.auth), in Japanese.
DETAILS = {
    "password": "パスワード",
    "sso": "シングルサインオン",
    "user": "本人の操作",
    "unknown_user": "存在しない利用者名",
    "wrong_password": "パスワードの誤り",
    "disabled": "利用停止中",
    "locked": "ロック中",
    "sso_unverified_email": "メールアドレスが未確認（シングルサインオン）",
    "sso_unknown_email": "登録のないメールアドレス（シングルサインオン）",
    "sso_disabled": "利用停止中（シングルサインオン）",
    "sso_stale_identity": "本人確認の情報が古い（シングルサインオン）",
}
SESSION_ENDED = "session_ended:"
# Keys of an export's or import's JSON detail, in Japanese (the rest is left out).
DETAIL_KEYS = {"list": "一覧", "format": "形式", "rows": "行数", "encoding": "文字コード"}


def _value(field: str, value: Any, entity: str | None = None) -> str:
    own = BY_ENTITY.get(entity or "", {})
    if field in own and isinstance(value, str):
        return own[field].get(value, value)
    if value is None or value == "":
        return "（なし）"
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, int | float):
        return f"{value:,}"
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if field in ENUMS:
        return ENUMS[field].labels().get(value, value)
    if field in ("hub_code", "prefecture_code", "previous_prefecture"):
        return prefecture_label(value)
    if field == "industry":
        return industry_label(value)
    return _stamp(value)


def _stamp(text: str) -> str:
    """An ISO day or moment as the app writes them (2026/12/07（月） 20:27); other text as
    it is."""
    if len(text) == 10:
        try:
            return day(dt.date.fromisoformat(text))
        except ValueError:
            return text
    if len(text) >= 16 and text[4] == "-" and text[10] in "T ":
        try:
            stamp = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        return moment(stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC))
    return text


def _detail(detail: str | None) -> str:
    if not detail:
        return ""
    if detail.startswith(SESSION_ENDED):
        return "セッション終了"
    if detail in DETAILS:
        return DETAILS[detail]
    try:
        read = json.loads(detail)
    except ValueError:
        return detail
    if not isinstance(read, dict):
        return detail
    parts = []
    for key, label in DETAIL_KEYS.items():
        if key in read and not isinstance(read[key], dict | list):
            parts.append(f"{label}: {_value(key, read[key])}")
    if isinstance(read.get("files"), list):
        parts.append(f"ファイル: {len(read['files']):,}件")
    return "・".join(parts)


def contents(entry: AuditEntry) -> str:
    """The changed fields (before → after) and the entry's detail, in words."""
    changes = [
        f"{FIELDS.get(field, '項目')}: {_value(field, before, entry.entity)} → "
        f"{_value(field, after, entry.entity)}"
        for field, (before, after) in entry.changes.items()
    ]
    return " / ".join([*changes, *filter(None, [_detail(entry.detail)])])


def who(entry: AuditEntry) -> str:
    """The user name; the app's own writes (the operator's commands, the demo loader) by the
    name the app gives itself."""
    if entry.user_id is None and entry.username == SYSTEM.username:
        return SYSTEM.display_name
    return entry.username or ""


def target(entry: AuditEntry, _names: Context) -> Cell:
    """The record by its kind, its number only beside it (a firm or a need links to it)."""
    if entry.entity is None:
        return ""
    kind = KINDS.get(entry.entity, "その他")
    if not entry.entity_id:
        return kind
    label = f"{kind}（記録ID {entry.entity_id}）"
    if entry.entity_id.isdigit():
        if entry.entity == "company":
            return links.company(int(entry.entity_id), label)
        if entry.entity == "talent_need":
            return links.need(int(entry.entity_id), label)
    return label


COLUMNS = [
    Column("at", "日時", 1.5, lambda e, _n: moment(e.at)),
    Column("username", "利用者", 1.1, lambda e, _n: who(e)),
    Column("action", "操作", 1.1, lambda e, _n: e.action_label),
    Column("target", "対象", 1.5, target),
    Column("hub", "拠点", 0.8, lambda e, _n: prefecture_label(e.hub_code)),
    Column("contents", "内容", 4, lambda e, _n: contents(e)),
]
