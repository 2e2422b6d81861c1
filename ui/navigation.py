"""Which pages each role sees. Comfort only: the services refuse what a role may not do."""

import streamlit as st

from crm.reference import Role

# (file, title, icon, roles)
PAGES: dict[str, list[tuple[str, str, str, set[Role]]]] = {
    "拠点": [
        ("pages/hub_dashboard.py", "拠点ダッシュボード", ":material/monitoring:",
         {Role.HUB_MANAGER, Role.SECRETARIAT}),
        ("pages/companies.py", "企業", ":material/apartment:",
         {Role.HUB_MANAGER, Role.SECRETARIAT}),
        ("pages/consultations.py", "相談記録", ":material/edit_note:",
         {Role.HUB_MANAGER, Role.SECRETARIAT}),
        ("pages/needs.py", "人材ニーズ", ":material/view_kanban:",
         {Role.HUB_MANAGER, Role.SECRETARIAT}),
        ("pages/placements.py", "成約", ":material/handshake:",
         {Role.HUB_MANAGER, Role.SECRETARIAT}),
        ("pages/followups.py", "フォローアップ", ":material/event_available:",
         {Role.HUB_MANAGER, Role.SECRETARIAT}),
    ],
}


# The national secretariat's views; targets are also where a hub manager proposes their own.
PAGES["全国"] = [
    ("pages/national.py", "全国ダッシュボード", ":material/public:", {Role.SECRETARIAT}),
    ("pages/prefectures.py", "都道府県比較", ":material/map:", {Role.SECRETARIAT}),
    ("pages/breakdowns.py", "内訳", ":material/bar_chart:", {Role.SECRETARIAT}),
    ("pages/targets.py", "目標（KPI）", ":material/flag:", {Role.HUB_MANAGER, Role.SECRETARIAT}),
]


PAGES["データ"] = [
    ("pages/export.py", "CSV出力", ":material/download:", {Role.HUB_MANAGER, Role.SECRETARIAT}),
    ("pages/import.py", "CSV取込", ":material/upload_file:", {Role.HUB_MANAGER}),
]


# Administration and one's own account come last in every role's navigation.
PAGES["管理"] = [
    ("pages/admin_users.py", "利用者管理", ":material/manage_accounts:", {Role.ADMIN}),
    ("pages/audit.py", "監査ログ", ":material/policy:", {Role.ADMIN}),
    ("pages/admin_reference.py", "拠点・人材区分・パートナー", ":material/tune:", {Role.ADMIN}),
]
PAGES["アカウント"] = [
    ("pages/account.py", "自分のアカウント", ":material/account_circle:",
     {Role.HUB_MANAGER, Role.SECRETARIAT, Role.ADMIN}),
]


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
    return st.navigation(sections)
