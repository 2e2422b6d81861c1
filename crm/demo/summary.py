"""What a demo load reports: rows per table, the accounts and how to sign in."""

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

# Japanese names of the counted entities, in the order they are printed.
COUNT_LABELS = {
    "accounts": "利用者",
    "partners": "パートナー",
    "companies": "企業",
    "contacts": "企業の担当者",
    "consultations": "相談",
    "events": "セミナー・説明会",
    "event_attendees": "セミナーの参加企業",
    "introductions": "金融機関からの紹介",
    "needs": "人材ニーズ",
    "need_status_changes": "ニーズの経過",
    "referrals": "紹介",
    "referral_reports": "パートナーの報告",
    "placements": "成約",
    "follow_ups": "フォローアップ",
    "kpi_targets": "年度目標",
}


@dataclass
class DemoSummary:
    kind: str  # "demo" or "synthetic"
    seed: int
    password: str
    accounts: tuple[str, ...]
    counts: dict[str, int]
    first_day: dt.date
    last_day: dt.date
    seconds: float
    database: str  # URL without password
    credentials_path: Path | None = field(default=None)
    loaded_at: dt.datetime | None = field(default=None)  # the moment of loading (aware)

    def __getattr__(self, name: str) -> int:
        # summary.consultations, summary.placements, ... read the counts.
        counts = self.__dict__.get("counts", {})
        if name in counts:
            return counts[name]
        raise AttributeError(name)

    def count_lines(self) -> list[str]:
        return [
            f"{label}: {self.counts[key]:,} 件"
            for key, label in COUNT_LABELS.items()
            if key in self.counts
        ]

    def sign_in_text(self, show_password: bool = True) -> str:
        """How to sign in. ``show_password=False`` names where the password is kept instead
        (for output that may sit beside an address other people can reach)."""
        password = (
            self.password
            if show_password
            else f"{self.credentials_path or 'CRM_DEMO_PASSWORD'} を参照（所有者のみ読み取り可）"
        )
        managers = [name for name in self.accounts if name.startswith("hub")]
        partners = [name for name in self.accounts if name.startswith("partner_")]
        others = [
            n
            for n in self.accounts
            if n not in ("admin", "secretariat") and n not in managers and n not in partners
        ]
        hub_range = (
            f"{managers[0]} … {managers[-1]}（{len(managers)} 拠点）" if managers else "なし"
        )
        return "\n".join(
            [
                "デモ用アカウント（このデモデータベース専用）",
                f"  データベース: {self.database}",
                "  管理者: admin",
                "  全国事務局: secretariat",
                f"  拠点マネージャー: {hub_range}",
                *([f"  同じ拠点の担当者（チームの例）: {', '.join(others)}"] if others else []),
                *(
                    [f"  パートナー（紹介された人材ニーズ）: {', '.join(partners)}"]
                    if partners
                    else []
                ),
                f"  パスワード（全アカウント共通）: {password}",
            ]
        )
