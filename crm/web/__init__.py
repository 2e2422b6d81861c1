"""HTTP routes served beside the Streamlit app by ``st.App`` (no Streamlit imports here):
health checks for load balancers, the session cookie, and the read-only API."""
