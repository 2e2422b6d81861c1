"""Running the app under Streamlit's AppTest (tests, benchmarks) the way a server runs it."""

from collections.abc import Callable
from unittest import mock

from streamlit.runtime.pages_manager import PagesManager


def run_entry_script_every_run() -> Callable[[], None]:
    """Make every AppTest run execute streamlit_app.py; returns a function that undoes it.

    Because a ``pages/`` folder sits beside the entry script, AppTest starts each run in
    Streamlit's old folder mode, which runs the last page's file directly and skips the entry
    script (its sign-in, session checks and role navigation). A running server leaves that mode
    for good at the first st.navigation call; this makes every headless run do the same.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    patcher = mock.patch.object(PagesManager, "__init__", init)
    patcher.start()

    def undo() -> None:
        patcher.stop()

    return undo
