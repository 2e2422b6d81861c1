"""Numbers for dashboards, reports and the CLI: SQL aggregates (GROUP BY in the database).

Every function takes the acting user and counts only the hubs that user may read, so the
same function feeds a hub manager's page, the secretariat's page and ``crm report``.
"""
