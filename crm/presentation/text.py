"""Data shown as text: the one helper every page uses to put a stored value into Markdown.

Streamlit reads Markdown (GitHub-flavoured, plus its own colours ``:red[…]``, badges, emoji and
icon shortcodes ``:material/…:``, LaTeX ``$…$`` and bare-URL links) in st.markdown, st.title,
st.header, st.subheader, st.caption, st.info/success/warning/error, st.toast, st.write of a
string, st.table cells, and in the labels of st.expander, st.tabs, st.page_link, st.metric,
buttons, checkboxes and radio options. A firm name, a summary or a file name must never turn
into a link, an image (fetched from another host), a heading or a colour there, so every value
that comes from data goes through :func:`literal` before it is put into such a string:

    st.title(literal(company.name))
    st.caption(f"拠点 {literal(hub_name)} の企業")

Plain-text places need no escaping (the text would show its backslashes): selectbox and
multiselect options (``format_func``), st.dataframe cells, st.text, widget values, Altair
data (Vega draws it as SVG text and escapes tooltips).
"""

import re

# Characters that start or end a Markdown or Streamlit construct anywhere in a line. CommonMark
# lets any ASCII punctuation be escaped with a backslash, which shows it as it is.
_INLINE = re.compile(r"([\\`*_\[\]<>|~$&])")
# Characters that only mean something at the start of a line: headings, quotes, lists, setext
# underlines (a line of = or - under a line of text), numbered lists.
_LINE_START = re.compile(r"^(\s*)([#>+=-])", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
# Constructs read from the text after escapes are resolved, so a backslash does not stop them:
# bare links (https://…, www.…, name@host) and shortcodes (:streamlit:, :material/home:). A zero
# width space (invisible; browsers and Playwright ignore it in text) breaks each pattern.
ZERO_WIDTH_SPACE = "\u200b"
_BREAKS = re.compile(r"(?<=:)(?=[A-Za-z/+\-_])|(?<=@)(?=\w)|(?<=www)(?=\.)", re.IGNORECASE)
# Control characters (NUL …) cannot be shown: they appear as the replacement character.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Four leading spaces would make a code block: keep the indent as no-break spaces.
_LEADING_SPACE = re.compile(r"^[ \t]+", re.MULTILINE)


def literal(text: object) -> str:
    """``text`` (any value; None is empty) as Markdown that shows exactly that text.

    Line breaks stay line breaks, and an indent stays an indent; a control character shows as
    the replacement character."""
    value = _CONTROL.sub("\ufffd", "" if text is None else str(text))
    escaped = _INLINE.sub(r"\\\1", value)
    escaped = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    escaped = _NUMBERED.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)
    escaped = _BREAKS.sub(ZERO_WIDTH_SPACE, escaped)
    escaped = _LEADING_SPACE.sub(lambda m: "\u00a0" * len(m.group(0).expandtabs(4)), escaped)
    lines = escaped.splitlines()
    return "  \n".join(lines) if len(lines) > 1 else escaped
