"""Which pages each role sees. Comfort only: the services refuse what a role may not do."""

import streamlit as st

from crm.reference import Role

HUB_ROLES = {Role.HUB_MANAGER, Role.SECRETARIAT}
# API tokens: a hub manager finds them beside the hub's data exchange, an administrator under
# 管理; one page (listed once per role), whose service scopes what each sees.
TOKENS = "pages/tokens.py"

# Section -> (file, title, icon, roles). A role's first visible page is its landing page:
# the secretariat lands on the national dashboard, a hub manager on the hub dashboard, an
# administrator on account management.
PAGES: dict[str, list[tuple[str, str, str, set[Role]]]] = {
    # A partner's people see their organisation's referrals and nothing of the hubs' records.
    "パートナー": [
        (
            "pages/partner_portal.py",
            "紹介された人材ニーズ",
            ":material/work:",
            {Role.PARTNER},
        ),
    ],
    "全国": [
        ("pages/national.py", "全国ダッシュボード", ":material/public:", {Role.SECRETARIAT}),
        ("pages/prefectures.py", "都道府県比較", ":material/map:", {Role.SECRETARIAT}),
        ("pages/breakdowns.py", "内訳", ":material/bar_chart:", {Role.SECRETARIAT}),
    ],
    "拠点": [
        ("pages/hub_dashboard.py", "拠点ダッシュボード", ":material/monitoring:", HUB_ROLES),
        ("pages/flows.py", "人材還流マップ", ":material/moving:", HUB_ROLES),
        ("pages/companies.py", "企業", ":material/apartment:", HUB_ROLES),
        ("pages/consultations.py", "相談記録", ":material/edit_note:", HUB_ROLES),
        ("pages/needs.py", "人材ニーズ", ":material/view_kanban:", HUB_ROLES),
        ("pages/placements.py", "成約", ":material/handshake:", HUB_ROLES),
        ("pages/followups.py", "フォローアップ", ":material/event_available:", HUB_ROLES),
        ("pages/search.py", "検索", ":material/search:", HUB_ROLES),
    ],
    # Where firms come from and where needs go: seminars and introductions, the funnel from
    # them to placements, and how each partner does.
    "連携": [
        ("pages/events.py", "セミナー・紹介", ":material/campaign:", HUB_ROLES),
        ("pages/funnel.py", "ファネル・パートナー実績", ":material/filter_alt:", HUB_ROLES),
    ],
    # Targets: hub managers propose their own, the secretariat sets and approves.
    "目標・データ": [
        ("pages/targets.py", "目標（KPI）", ":material/flag:", HUB_ROLES),
        ("pages/export.py", "CSV出力", ":material/download:", HUB_ROLES),
        ("pages/import.py", "CSV取込", ":material/upload_file:", {Role.HUB_MANAGER}),
        (TOKENS, "APIトークン", ":material/key:", {Role.HUB_MANAGER}),
    ],
    "管理": [
        ("pages/admin_users.py", "利用者管理", ":material/manage_accounts:", {Role.ADMIN}),
        ("pages/audit.py", "監査ログ", ":material/policy:", {Role.ADMIN}),
        ("pages/admin_reference.py", "拠点・人材区分・パートナー", ":material/tune:", {Role.ADMIN}),
        (TOKENS, "APIトークン", ":material/key:", {Role.ADMIN}),
    ],
    "アカウント": [
        ("pages/inbox.py", "お知らせ", ":material/notifications:", HUB_ROLES | {Role.PARTNER}),
        (
            "pages/account.py",
            "自分のアカウント",
            ":material/account_circle:",
            {Role.HUB_MANAGER, Role.SECRETARIAT, Role.ADMIN, Role.PARTNER},
        ),
    ],
}


def build_navigation(role: Role):
    sections = {}
    first = True
    for section, pages in PAGES.items():
        entries = []
        for path, title, icon, roles in pages:
            if role in roles:
                entries.append(st.Page(path, title=title, icon=icon, default=first))
                first = False
        if entries:
            sections[section] = entries
    # Every page listed, never folded behind 「View more」 (the secretariat has 13).
    return st.navigation(sections, expanded=True)
