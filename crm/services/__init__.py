"""Services: every read and write of the CRM, each taking the acting user (``crm.actor.Actor``).

A service decides and writes; it never renders. Pages, the CLI and the importer call these and
nothing else for hub records.
"""
