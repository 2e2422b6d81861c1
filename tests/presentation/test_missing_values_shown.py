"""Every table the app draws says 「—」 for a missing value: Streamlit's st.dataframe shows the
word None unless it is given a placeholder (issue 24: no Python value where a person reads)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _dataframe_calls(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "dataframe"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "st"
        ):
            yield node


def test_every_dataframe_has_a_placeholder_for_missing_values():
    files = [*ROOT.joinpath("ui").rglob("*.py"), *ROOT.joinpath("pages").rglob("*.py")]
    calls = [(path, node) for path in files for node in _dataframe_calls(path)]
    assert len(calls) >= 15  # the app's tables, found
    missing = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path, node in calls
        if not any(
            k.arg == "placeholder" and isinstance(k.value, ast.Constant) and k.value.value == "—"
            for k in node.keywords
        )
    ]
    assert missing == []
