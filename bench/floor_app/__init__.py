"""The framework's floor for bench.click_timing: a trivial two-page Streamlit app served the
same way as the CRM (``st.App`` under uvicorn, the repository's .streamlit/config.toml)."""
