"""Documents made from the analytics: the prefecture table as a workbook and the monthly
report (workbook and PDF). Every figure comes from ``crm.analytics``, the pages' own queries."""
