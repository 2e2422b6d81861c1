"""Widget keys of forms in AppTest: a form's widgets get new keys after each successful save
(ui.form_state generations), so tests ask for the key the form has now."""

from streamlit.testing.v1 import AppTest

from ui.form_state import GENERATIONS_KEY


def fkey(at: AppTest, form: str, field: str) -> str:
    generations = at.session_state[GENERATIONS_KEY] if GENERATIONS_KEY in at.session_state else {}
    number = generations.get(form, 0)
    return f"{form}.{field}" if number == 0 else f"{form}@{number}.{field}"
