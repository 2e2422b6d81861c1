"""Counts kept on write: consultations, needs and placements per hub, month and the dimensions
the dashboards filter and break down by, maintained by the database itself in every writer's
transaction (``crm.summaries.triggers``), read by ``crm.analytics.counted``, recounted and
rebuilt by ``crm.summaries.check`` (``crm db check-summaries`` / ``rebuild-summaries``)."""
