"""ファネル・パートナー実績: seminars and introductions → firms consulted → needs → referrals →
placements, by source, category and partner, and the partner table (ui.views.funnel)."""

from ui.views.funnel import show_funnel_page

show_funnel_page()
