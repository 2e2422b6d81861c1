"""Sections of the pages that are too long to read inside the page script: a record's own page
(a firm, a need) and the forms and lists a page puts together. Each takes the signed-in actor
and what the page read; the page scripts in ``pages/`` stay short."""
