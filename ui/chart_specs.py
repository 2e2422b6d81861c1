"""Charts shown from a spec built and validated once per distinct input.

``st.altair_chart`` turns an Altair chart into a Vega-Lite spec on every rerun, and Altair
validates that spec against the JSON schema each time (20–46 ms a chart, a third of a cached
page). The chart builders are pure functions of their input, which the page reads from a
cached result, so the validated spec is cached by the builder and its input
(``st.cache_data``: the input's content, whatever object holds it) and handed to
``st.vega_lite_chart``, which renders exactly what ``st.altair_chart`` would.
"""

from collections.abc import Callable

import altair as alt
import streamlit as st

from crm.presentation import charts, flow_charts

_BUILDERS: dict[str, Callable[..., alt.TopLevelMixin]] = {}
# What Altair's default theme adds and st.altair_chart leaves out (it renders with theme
# "none"): a fixed 300-pixel view where a chart sets no size of its own.
_DEFAULT_VIEW = {"continuousWidth": 300, "continuousHeight": 300}


def name_of(builder: Callable[..., alt.TopLevelMixin]) -> str:
    return f"{builder.__module__}.{builder.__qualname__}"


def register(builder: Callable[..., alt.TopLevelMixin]) -> Callable[..., alt.TopLevelMixin]:
    """Make a chart builder showable with ``show``."""
    _BUILDERS[name_of(builder)] = builder
    return builder


# The builders stay plain Altair (the monthly report renders one without Streamlit).
for _builder in (
    charts.cumulative_trend_chart,
    charts.cumulative_forecast_chart,
    charts.breakdown_bar_chart,
    charts.tile_map_chart,
    charts.target_progress_chart,
    flow_charts.flow_chart,
    flow_charts.net_inflow_map,
):
    register(_builder)


@st.cache_data(max_entries=512, show_spinner=False)
def _spec(builder: str, *args) -> dict:
    spec = _BUILDERS[builder](*args).to_dict()  # validated here, once per input
    view = spec.get("config", {}).get("view", {})
    for key, value in _DEFAULT_VIEW.items():
        if view.get(key) == value:
            del view[key]
    if "config" in spec and "view" in spec["config"] and not view:
        del spec["config"]["view"]
    if spec.get("config") == {}:
        del spec["config"]
    return spec


def spec_of(builder: Callable[..., alt.TopLevelMixin], *args) -> dict:
    """The validated Vega-Lite spec of ``builder(*args)`` (cached)."""
    name = name_of(builder)
    if name not in _BUILDERS:
        raise KeyError(f"chart builder {name} is not registered (ui.chart_specs.register)")
    return _spec(name, *args)


def show(builder: Callable[..., alt.TopLevelMixin], *args, where=None, **options):
    """``st.altair_chart(builder(*args), **options)`` without rebuilding or re-validating the
    chart on a rerun; ``where``: a column or container (default: the page)."""
    return (where or st).vega_lite_chart(spec=spec_of(builder, *args), **options)
