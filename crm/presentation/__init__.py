"""How values are shown, without Streamlit: chart specifications (Altair), the frames they draw,
Japanese labels for codes and fields, number and date formatting, and Markdown-safe text.

Pages and ``ui/`` draw with these, and so do documents built outside the browser (the monthly
report's chart), which is why they live in ``crm`` and import nothing from Streamlit."""
