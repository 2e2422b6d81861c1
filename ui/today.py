"""今日やること on screen: the hub dashboard's list with a one-click 完了 on each row, the
sidebar's count, and the secretariat's counts per hub."""

import pandas as pd
import streamlit as st

from crm.actor import Actor
from crm.calendar_jp import day_with_weekday
from crm.presentation.labels import enum_label
from crm.presentation.text import literal
from crm.reference import NeedStatus
from crm.services.lookups import placement_needs
from crm.services.partner_portal import reported_placements
from crm.services.today import (
    KIND_LABELS,
    QUIET_FOR,
    TodayItem,
    close_item,
    describe,
    quiet_needs,
    todays_counts,
    todays_counts_by_hub,
    todays_work,
)
from crm.timeutil import to_jst, today_jst
from ui import cache as reference
from ui import form_state as fs
from ui import links, tables
from ui.cache import cached_read
from ui.forms import guarded
from ui.listing import card_style

FORM = "today"
LIMIT = 100
WIDTHS = [1.5, 1, 1.5, 2.3, 2.8, 0.9]


def _close(actor: Actor, item: TodayItem) -> None:
    fs.submit(
        FORM,
        lambda s: close_item(s, actor, item.kind, item.record_id, item.version),
        f"{KIND_LABELS[item.kind]}（{item.company_name}）を完了にしました。",
        actor=actor,
    )


def _record_link(item: TodayItem, need_of: dict[int, int]) -> links.Link:
    label = item.what or KIND_LABELS[item.kind]
    if item.placement_id is not None and item.placement_id in need_of:
        return links.need(need_of[item.placement_id], label)
    if item.kind == "follow_up":
        return links.Link(links.FOLLOW_UPS, label, {"company": str(item.company_id)})
    return links.company(item.company_id, label)


def _row(actor: Actor, item: TodayItem, need_of: dict[int, int], today, writable: bool) -> None:
    with st.container(key=f"today-row-{item.kind}-{item.record_id}"):
        cells = st.columns(WIDTHS, vertical_alignment="center")
        cells[0].markdown(day_with_weekday(item.due_on))
        status = describe(item, today)
        cells[1].markdown(f":red[**{status}**]" if item.due_on < today else status)
        cells[2].markdown(KIND_LABELS[item.kind])
        with cells[3]:
            links.show(actor, links.company(item.company_id, item.company_name))
        with cells[4]:
            links.show(actor, _record_link(item, need_of))
        if writable:
            cells[5].button(
                "完了",
                key=f"today.close.{item.kind}.{item.record_id}",
                on_click=_close,
                args=(actor, item),
                help="この行を完了にします（フォローアップは今日の日付で完了、次のアクションは済みに）。",
            )


def show_today(actor: Actor, hub_code: str) -> None:
    """The hub dashboard's opening section."""
    today = today_jst()
    st.subheader("今日やること")
    mine = actor.is_hub_manager and not st.toggle(
        "拠点全体を表示",
        key="today_whole_hub",
        help="既定は自分が担当する記録と、まだ拠点担当者のいない記録の分です"
        "（フォローアップはその拠点担当者、なければ企業の拠点担当者で判断）。",
    )
    person = actor.user_id if mine else None
    with guarded():
        work = cached_read(
            todays_work, actor, hub_code=hub_code, today=today, limit=LIMIT, person=person
        )
        need_of = cached_read(
            placement_needs,
            actor,
            ids=sorted({i.placement_id for i in work.items if i.placement_id}),
        )
    counts = work.counts
    metrics = st.columns(3)
    metrics[0].metric("今日やること", f"{counts.total:,}件")
    metrics[1].metric("期限超過", f"{counts.overdue:,}件")
    metrics[2].metric(f"今週（{work.week_end:%m/%d}まで）", f"{counts.total - counts.overdue:,}件")
    st.caption(
        "期限を過ぎたもの・今週中（日曜まで）が期日のフォローアップと、相談の次のアクション。"
        "次のアクションは、期日から30日を過ぎたものと、その後に同じ企業と相談したものを除きます。"
    )
    writable = actor.can_write_hub(hub_code)
    if writable:
        partner_reports(actor)
    fs.feedback(FORM)  # what the last 完了 did (or why it was refused)
    if not work.items:
        st.success("期限を過ぎたものも今週が期日のものもありません。", icon=":material/task_alt:")
        quiet(actor, hub_code, today, person)
        return
    card_style()  # at phone width each row is a card (its values name themselves)
    with st.container(border=True):
        with st.container(key="today-head"):
            header = st.columns(WIDTHS)
            for column, title in zip(
                header, ["期日", "状況", "種類", "企業", "内容"], strict=False
            ):
                column.markdown(f"**{literal(title)}**")
        for item in work.items:
            _row(actor, item, need_of, today, writable)
    if counts.total > len(work.items):
        st.caption(f"期日の早い {len(work.items):,} 件を表示しています（全 {counts.total:,} 件）。")
    quiet(actor, hub_code, today, person)


def partner_reports(actor: Actor) -> None:
    """Placements partners reported that the hub has not confirmed yet, each linked to its
    need's page (where 「成約報告を確認して成約を記録」 makes it the placement)."""
    with guarded():
        reported = cached_read(reported_placements, actor)
    if not reported:
        return
    with st.container(border=True):
        st.markdown(f"**パートナーからの成約報告（確認待ち） {len(reported):,}件**")
        for item in reported:
            left, right = st.columns([3, 4], vertical_alignment="center")
            with left:
                links.show(actor, links.need(item.need_id, item.role_title))
            placed = day_with_weekday(item.reported_placed_on) if item.reported_placed_on else "—"
            right.markdown(
                literal(f"{item.company_name}・{item.partner_name}・報告された成約日 {placed}")
            )


def quiet(actor: Actor, hub_code: str, today, person: int | None) -> None:
    """Open needs nobody has touched for 30 days: the longest quiet first, each to its page."""
    with guarded():
        total, needs = cached_read(
            quiet_needs, actor, hub_code=hub_code, today=today, person=person, limit=10
        )
    if not total:
        return
    days = QUIET_FOR.days
    with st.expander(f"{days}日以上動きのない人材ニーズ {total:,}件", icon=":material/hourglass:"):
        st.caption(
            f"受付・紹介中のまま、{days}日以上更新・紹介の結果・コメントのないニーズです"
            f"（最終更新の古い順に{len(needs):,}件）。"
        )
        for need in needs:
            left, middle, right = st.columns([3, 3, 2], vertical_alignment="center")
            with left:
                links.show(actor, links.need(need.need_id, need.role_title))
            with middle:
                links.show(actor, links.company(need.company_id, need.company_name))
            right.markdown(
                f"{enum_label(NeedStatus, need.status)} ・ 最終更新 "
                f"{day_with_weekday(to_jst(need.last_change).date())}"
            )


def sidebar_count(actor: Actor) -> None:
    """The sidebar's count, linking to where the items are listed."""
    try:
        # A hub's person counts theirs and nobody's; the secretariat counts every hub's.
        person = actor.user_id if actor.is_hub_manager else None
        counts = cached_read(todays_counts, actor, today=today_jst(), person=person)
    except Exception:  # noqa: BLE001 - the sidebar never breaks the page
        return
    if actor.is_hub_manager:
        st.page_link(
            "pages/hub_dashboard.py",
            label=f"今日やること {counts.total:,}件",
            icon=":material/checklist:",
        )
        if counts.overdue:
            st.caption(f":red[うち期限超過 {counts.overdue:,}件]")
    elif links.can_open(actor, "pages/national.py"):
        st.page_link(
            "pages/national.py",
            label=f"全拠点の今日やること {counts.total:,}件",
            icon=":material/checklist:",
        )


def show_counts_by_hub(actor: Actor, hubs: list[str] | None = None) -> None:
    """The secretariat's view: each hub's open items, as counts, for the blocks and hubs
    chosen in the sidebar (``hubs``; None: every hub)."""
    today = today_jst()
    with guarded():
        per_hub = cached_read(todays_counts_by_hub, actor, today=today, hubs=hubs)
    names = {h.code: h.name_ja for h in reference.hubs(active_only=False)}
    st.subheader("今日やること（拠点別）")
    st.caption(
        f"{today:%Y/%m/%d}現在、期限を過ぎたもの・今週中が期日のフォローアップと次のアクションの件数です。"
    )
    if not per_hub:
        st.info("期限を過ぎたものも今週が期日のものもありません。")
        return
    frame = pd.DataFrame(
        [
            {
                "拠点": names.get(c.hub_code or "", c.hub_code),
                "合計": c.total,
                "期限超過": c.overdue,
                "フォローアップ（超過）": c.overdue_follow_ups,
                "フォローアップ（今週）": c.week_follow_ups,
                "次のアクション（超過）": c.overdue_actions,
                "次のアクション（今週）": c.week_actions,
            }
            for c in per_hub
        ]
    )
    total = frame.drop(columns="拠点").sum()
    scope = "全拠点" if hubs is None else "選択した拠点"
    st.caption(
        f"{scope}の合計: {int(total['合計']):,}件（うち期限超過 {int(total['期限超過']):,}件）"
    )
    tables.show(frame)
