"""Professional Talent Hub CRM: domain, services, analytics, import/export and auth.

Nothing in this package imports Streamlit; the app (`streamlit_app.py`, `pages/`, `ui/`) and the
CLI (`crm.cli`) are both thin layers over it.
"""
