"""Workshop, facilitator's board: create from a card, run rounds, inject shocks, watch and export."""

from __future__ import annotations

import streamlit as st
import streamlit.net_util

from app_pages import _workshop
from sim.present.settings import escape_markdown
from sim.workshop import flows
from sim.workshop.cards import MAX_LEVEL, Card, card_ids, load_card
from sim.workshop.export import MODEL_WORDS, positions_chart, team_debrief_html, workshop_csv, workshop_rows
from sim.workshop.join_link import checked_base, join_base, join_url, qr_png
from sim.workshop.shocks import SHOCKS
from sim.workshop.store import Store, Workshop, WorkshopError, normal_code, reentry_of

NEW_KEY = "ws_new_key"
JOIN_BASE = "join_base"


def sign_in(db: Store) -> None:
    left, right = st.columns(2)
    with left.form("create"):
        st.header("Create a workshop")
        ids = card_ids()
        card_id = st.selectbox("Exercise card", ids, key="create_card",
                               format_func=lambda c: f"{load_card(c).level}. {load_card(c).title}")
        model = st.radio("Model the rounds are adjudicated with", list(MODEL_WORDS), key="create_model",
                         format_func=lambda m: MODEL_WORDS[m].capitalize(),
                         help="The analyst's judgement is the default. Calibrated: every round runs on the "
                              "posterior's resample (its rows are the draws; the draws per team do not "
                              "apply), the values a card or a team sets kept as set. The resampled rows "
                              "repeat draws, so the intervals are those of the draws they are worth "
                              "(n_eff; docs/model.md, 12b).")
        if st.form_submit_button("Create"):
            workshop, key = db.create_workshop(card_id, model)
            st.session_state[_workshop.FACILITATOR] = (workshop.code, key)
            st.session_state[NEW_KEY] = key
            st.rerun()
    restore_form(db)
    if _workshop.BOARD_PARAM in st.query_params:   # this board's own address, after a reload
        code = st.query_params[_workshop.BOARD_PARAM].partition(".")[0]
        st.session_state.setdefault("resume_code", normal_code(code)[:12])
        right.caption("This board's address holds its join code only: type the facilitator key to reopen it.")
    with right.form("resume"):
        st.header("Open a workshop")
        code = st.text_input("Join code", max_chars=12, key="resume_code")
        key = st.text_input("Facilitator key", type="password", max_chars=64, key="resume_key")
        if st.form_submit_button("Open the board"):
            try:
                db.facilitate(code, key)
            except WorkshopError as exc:
                _workshop.show_problem(exc)
                return
            st.session_state[_workshop.FACILITATOR] = (code, key)
            st.rerun()


def restore_form(db: Store) -> None:
    """Put a workshop back from the backup its facilitator downloaded (after a damaged file, into a
    new one): the backup's own join code and key must be typed, so a backup alone opens nothing."""
    with st.expander("Restore a workshop from a backup"):
        with st.form("restore"):
            upload = st.file_uploader("Backup file (.sqlite3, downloaded on the board)", type=["sqlite3"],
                                      key="restore_file")
            code = st.text_input("The workshop's code (as in the backup)", max_chars=12, key="restore_code")
            key = st.text_input("The key of that workshop", type="password", max_chars=64, key="restore_key")
            if not st.form_submit_button("Restore"):
                return
        if upload is None:
            st.error("Choose the backup file first.")
            return
        try:
            workshop = db.restore(upload.getvalue(), code, key)
        except WorkshopError as exc:
            st.error(escape_markdown(str(exc)))
            return
        st.session_state[_workshop.FACILITATOR] = (workshop.code, key)
        st.rerun()


def act(step, *args) -> None:
    """Do one facilitator step and show the new state, or say why it was refused (another tab may
    have locked the round first, say)."""
    try:
        step(*args)
    except WorkshopError as exc:
        _workshop.show_problem(exc)
        return
    st.rerun()


def round_controls(db: Store, workshop: Workshop, card: Card) -> None:
    rounds = db.rounds(workshop.id)
    open_now = bool(rounds) and rounds[-1].status == "open"
    left, middle, right = st.columns(3)
    with left:
        if open_now:
            if st.button(f"Lock round {rounds[-1].number} and adjudicate", type="primary", key="lock"):
                with st.spinner("Solving every team's game..."):
                    act(flows.lock_and_adjudicate, db, workshop)
        else:
            # The next round starts from the last one's length and draws (these inputs are not drawn
            # while a round is open, so Streamlit forgets what was typed in them).
            last = rounds[-1] if rounds else None
            length = min(max(round((last.closes - last.opened) / 60), 1), 60) if last else 10
            minutes = st.number_input("Minutes for the round", 1, 60, length, key="round_minutes")
            most = flows.max_draws(card)
            label = "Trajectories per team (each runs every year)" if card.timeline else "Draws per team"
            start = min(last.draws if last else flows.DEFAULT_DRAWS, most)
            draws = st.number_input(label, 1_000, most, start, step=5_000, key="round_draws")
            if workshop.model == "calibrated":
                st.caption("Calibrated: every team runs on the posterior's resampled rows, whatever this "
                           "says.")
            if st.button(f"Open round {len(rounds) + 1}", type="primary", key="open"):
                act(lambda: db.open_round(workshop.id, minutes, flows.draws_for(draws, card)))
    with middle:
        suggested = [*card.shocks, *(k for k in SHOCKS if k not in card.shocks)]
        shock = st.selectbox("Shock", suggested, format_func=lambda k: SHOCKS[k].title, key="shock_choice",
                             help="Card's suggestions first.", disabled=open_now)
        st.caption(SHOCKS[shock].description)
        if st.button("Inject before the next round", disabled=open_now, key="inject"):
            act(db.add_shock, workshop.id, shock)
    with right:
        shocks = db.shocks(workshop.id)
        st.markdown("**Shocks so far**")
        st.write("; ".join(f"{SHOCKS[k].title} (from round {r})" for k, r in shocks) or "none")


@st.fragment(run_every=_workshop.REFRESH_SECONDS)
def live_board(db: Store, workshop: Workshop, card: Card) -> None:
    with _workshop.faults_shown():
        _live_board(db, workshop, card)


def _live_board(db: Store, workshop: Workshop, card: Card) -> None:
    rounds = db.rounds(workshop.id)
    teams = db.teams(workshop.id)
    current = rounds[-1] if rounds else None
    latest = db.latest_submissions(workshop.id, current.number) if current else {}
    a, b, c, d = st.columns(4)
    a.metric("Teams", len(teams))
    b.metric(f"Round {current.number if current else '-'}", current.status if current else "not started")
    c.metric("Time left", current.countdown() if current else "-")
    d.metric("Submitted this round", f"{len(latest)} of {len(teams)}")
    st.dataframe([{"team": t.name, "role": t.role or "", "table": t.table,
                   "submitted this round": t.id in latest} for t in teams], hide_index=True, width="stretch")
    rows = workshop_rows(db, workshop, card)
    if any(r[f"p_{card.outcome}_mean"] != "" for r in rows):
        st.markdown(f"**Every team's P({card.outcome_label(card.outcome)}) with its 95% interval** "
                    "(dashed: the criterion)")
        st.vega_lite_chart(positions_chart(rows, card), width="stretch")
        st.dataframe([{k: r[k] for k in ("round", "team", *(c.name for c in card.controls), "prediction",
                                          "verdict", "prediction_right")} for r in rows],
                     hide_index=True, width="stretch")


def join_panel(workshop: Workshop) -> None:
    """The link teams open, with this machine's address, and the same link as a QR code to project."""
    found = join_base(st.context.url, st.get_option("server.address"), int(st.get_option("server.port")),
                      streamlit.net_util.get_internal_ip())
    left, right = st.columns([1, 2])
    with right:
        typed = st.text_input("Address the teams' phones reach this machine at", value=found.url,
                              max_chars=200, key=JOIN_BASE,
                              help="Found from this machine's network address; change it if the room "
                                   "reaches this machine by another name (a department's server, say).")
        try:
            base = checked_base(typed)
        except ValueError as exc:
            st.error(str(exc))
            base = found.url
        url = join_url(base, workshop.code)
        st.markdown("**Teams open this link** (or scan the code), then type their team's name:")
        st.code(url, language=None)
        if not found.reachable:
            st.warning("This server answers this machine only, so no phone can open the link. Stop it and "
                       "start it with `streamlit run serve.py --server.address 0.0.0.0`; see *Serving a "
                       "class* in the facilitator's guide (firewall, Wi-Fi that isolates devices).")
    left.image(qr_png(url), caption="Scan to join", width=220, alt=f"QR code of the join link {url}")


def exports(db: Store, workshop: Workshop, card: Card) -> None:
    st.header("Export")
    left, right = st.columns(2)
    left.download_button("Whole workshop (CSV)", workshop_csv(db, workshop, card),
                         file_name=f"workshop-{workshop.code}.csv", mime="text/csv", on_click="ignore",
                         key="export_csv")
    left.download_button("Backup of this workshop (SQLite)", db.backup(workshop),
                         file_name=f"workshop-{workshop.code}.sqlite3", mime="application/vnd.sqlite3",
                         on_click="ignore", key="export_backup",
                         help="Everything of this workshop, to restore it here or on another machine "
                              "(with its join code and key) if the database is lost or damaged.")
    teams = db.teams(workshop.id)
    results = db.results(workshop.id)
    if teams:
        team = right.selectbox("Team debrief", teams, format_func=lambda t: t.name, key="debrief_team")
        own = {rnd: r for (tid, rnd), r in results.items() if tid == team.id}
        right.download_button("Printable debrief (HTML)", team_debrief_html(card, team, own),
                              file_name=f"debrief-{team.id}.html", mime="text/html", on_click="ignore",
                              key="export_debrief", disabled=not own)


def main() -> None:
    st.title("Workshop: facilitator's board")
    db = _workshop.store()
    signed = _workshop.signed_in_facilitator(db)
    if signed is None:
        st.caption("The facilitator's guide to the exercise cards is on the *Facilitator's guide* page.")
        sign_in(db)
        return
    workshop, _ = signed
    card = load_card(workshop.card)
    st.header(f"Join code: {workshop.code} · {card.title}", anchor=False)
    st.caption(escape_markdown(f"Model: {MODEL_WORDS[workshop.model]}."))
    new_key = st.session_state.pop(NEW_KEY, None)
    if new_key:
        st.warning(f"Your facilitator key (shown once; keep it to reopen this board from any browser): "
                   f"`{new_key}`. After a reload of this page only its last part, the board's re-entry "
                   f"code **{reentry_of(new_key)}**, is asked: it is not in the address.")
    join_panel(workshop)
    with st.expander("The card", expanded=False):
        st.caption(f"Level {card.level} of {MAX_LEVEL} · about {card.minutes} minutes · "
                   f"article: {card.section}")
        st.markdown(f"{card.briefing}\n\n**Question.** {card.question}\n\n**Success.** {card.criterion}")
        st.markdown(f"**Debrief notes.** {card.debrief}")
    round_controls(db, workshop, card)
    live_board(db, workshop, card)
    exports(db, workshop, card)


with _workshop.faults_shown():
    main()
