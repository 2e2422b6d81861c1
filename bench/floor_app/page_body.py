"""What each floor page draws: a title, a button and how often it was pressed."""

import streamlit as st


def draw(title: str) -> None:
    st.title(title)
    key = f"{title}.presses"
    if st.button("押す", key=f"{title}.button"):
        st.session_state[key] = st.session_state.get(key, 0) + 1
    st.write(f"押した回数: {st.session_state.get(key, 0)}")
