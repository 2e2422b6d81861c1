"""Entry script of the floor app: the same kind of navigation as the CRM's (st.navigation,
listed in the sidebar), two pages that only draw a title, a button and a line of text."""

from pathlib import Path

import streamlit as st

HERE = Path(__file__).resolve().parent

navigation = st.navigation(
    {
        "床": [
            st.Page(HERE / "first.py", title="床 1", default=True),
            st.Page(HERE / "second.py", title="床 2"),
        ]
    },
    expanded=True,
)
navigation.run()
