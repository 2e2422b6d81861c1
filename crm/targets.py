"""KPI targets' vocabulary, shared by the services that write targets
(``crm.services.targets``) and the analytics that measure progress against them
(``crm.analytics.targets``)."""

from crm.reference import TargetStatus

PROPOSED = TargetStatus.PROPOSED.value
APPROVED = TargetStatus.APPROVED.value
STATUS_LABELS = TargetStatus.labels()
# The programme began in January 2016 (FY2015).
FIRST_FISCAL_YEAR = 2015
# Far above any hub's year (the whole programme does about 10,000 consultations a year).
MAX_TARGET = 1_000_000
