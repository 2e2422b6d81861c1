"""Text that Markdown or HTML would turn into an image, a link, a heading, emphasis, a colour,
a formula or a logo: the pages must show each one exactly as typed."""

PAYLOADS = [
    "![x](https://example.invalid/a.png)",
    "[link](https://example.invalid)",
    "# heading",
    "<img src=x onerror=alert(1)>",
    "**bold**",
    ":red[colour]",
    "$x^2$",
    "see https://example.invalid/p or www.example.invalid, mail a@example.invalid :streamlit:",
]
