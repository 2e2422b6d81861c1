"""Streamlit glue shared by the pages: engine, signed-in user, cached reads, form helpers.

The only package besides ``pages/`` and ``streamlit_app.py`` that imports Streamlit.
"""
