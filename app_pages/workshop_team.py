"""Workshop, team page: join with the facilitator's code, submit a position each round, read the result."""

from __future__ import annotations

import streamlit as st

from app_pages import _workshop
from sim.present.settings import escape_markdown
from sim.workshop import flows
from sim.workshop.cards import ROLES, Card, Control, load_card
from sim.workshop.export import path_chart, team_debrief_html
from sim.workshop.shocks import SHOCKS
from sim.workshop.store import MAX_TEAM_NAME, Store, Team, WorkshopError, reentry_of

JUST_JOINED = "ws_just_joined"


def join_form(db: Store) -> None:
    st.subheader("Join a workshop")
    with st.form("join"):
        code = st.text_input("Join code (from your facilitator)", max_chars=12, key="join_code")
        name = st.text_input("Team name", max_chars=MAX_TEAM_NAME, key="join_name")
        role = st.selectbox("Role (only if your facilitator gave you one)", ["none", *ROLES],
                            format_func=lambda r: ROLES.get(r, "No role"), key="join_role")
        table = st.number_input("Table", 1, 8, 1, key="join_table")
        if not st.form_submit_button("Join"):
            return
    try:
        card = load_card(db.workshop(code).card)
        role = None if role == "none" else role
        if bool(card.roles) != (role is not None):
            raise WorkshopError("Choose the role your facilitator gave you." if card.roles
                                else "This exercise has no roles: choose 'No role'.")
        team, token = db.join(code, name, role, int(table) if card.roles else 1)
    except WorkshopError as exc:
        _workshop.show_problem(exc)
        return
    st.session_state[_workshop.TEAM] = (team.id, token)
    st.session_state[JUST_JOINED] = True
    st.rerun()


def control_input(control: Control, key: str):
    if control.options is not None:
        return st.radio(control.label, list(control.options), key=key, help=control.help or None)
    return st.slider(control.label, control.low, control.high, float(control.start), step=control.step,
                     key=key, help=control.help or None)


def position_form(db: Store, card: Card, team: Team, token: str) -> None:
    with st.form("position"):
        form = {c.name: control_input(c, f"ctl:{c.name}") for c in card.controls_for(team.role)}
        prediction = st.radio(f"Your prediction: will {card.criterion} hold?", list(flows.PREDICTIONS),
                              key="prediction", horizontal=True)
        if not st.form_submit_button("Submit our position"):
            return
    try:
        flows.submit(db, team, token, form, prediction)
        st.success("Position recorded. You may change it until the round is locked; the last one counts.")
    except WorkshopError as exc:
        _workshop.show_problem(exc)


@st.fragment(run_every=_workshop.REFRESH_SECONDS)
def round_status(db: Store, team: Team, token: str) -> None:
    with _workshop.faults_shown():
        _round_status(db, team, token)


def _round_status(db: Store, team: Team, token: str) -> None:
    rounds = db.rounds(team.workshop)
    if not rounds or rounds[-1].status != "open":
        st.info("No round is open: wait for the facilitator.")
        return
    rnd = rounds[-1]
    mine = db.own_submission(team, token, rnd.number)
    st.metric(f"Round {rnd.number}: time left", rnd.countdown())
    st.caption("Your position is recorded." if mine else "You have not submitted a position yet.")


def show_result(card: Card, number: int, result: dict) -> None:
    st.subheader(f"Round {number}")
    labels = {c.name: c.label for c in card.controls}
    st.caption("Position: " + ", ".join(f"{labels.get(k, k)} = {v}" for k, v in result["positions"].items()))
    if result["shocks"]:
        st.caption("Shocks in force: " + "; ".join(SHOCKS[s].title for s in result["shocks"]))
    columns = st.columns(len(result["outcomes"]))
    for col, (name, share) in zip(columns, result["outcomes"].items(), strict=True):
        col.metric(f"P({card.outcome_label(name)})", f"{share['mean']:.1%}")
        col.caption(f"95%: {share['low']:.1%} to {share['high']:.1%}")
    right = {True: "right", False: "wrong", None: "undecided"}[result["prediction_right"]]
    unit = "trajectories" if result.get("path") else "draws"
    st.markdown(f"**{card.criterion}: {result['verdict']}.** Your prediction ({result['prediction']}) was "
                f"{right}. {result['draws']:,} {unit}, seed {result['seed']}: every team had the same.")
    if result.get("path"):
        show_path(result, card.threshold)
    for path, choice in result["model_choice"].items():
        model = ", ".join(f"{a} {p:.0%}" for a, p in choice.items())
        st.markdown(f"At node `{path or 'root'}` you announced **{result['forced'][path]}**; the model "
                    f"would have played {model}.")
    with st.expander("Why"):
        st.markdown("\n".join(result["why"]))
    with st.expander("Each player's expected utility"):
        if result.get("utility_note"):
            st.caption(result["utility_note"])
        else:
            st.dataframe([{"player": p, "mean": e["mean"], "s.e.": e["stderr"]}
                          for p, e in result["expected_utility"].items()], hide_index=True)


def show_path(result: dict, threshold: float) -> None:
    """A timeline round's yearly path: the chart, and the same numbers as a table."""
    st.markdown(f"**Year by year**: the share of trajectories severed by the end of each year, with its 95% "
                f"band (dashed: the threshold and {result['by']}).")
    st.vega_lite_chart(path_chart(result["path"], result["by"], threshold), width="stretch")
    with st.expander("The yearly path as a table"):
        st.dataframe([{"year": p["year"], "severed": p["severed"]["mean"], "95% low": p["severed"]["low"],
                       "95% high": p["severed"]["high"], "pledge that year": p["pledge"]["mean"]}
                      for p in result["path"]], hide_index=True)


def main() -> None:
    st.title("Workshop: team")
    db = _workshop.store()
    signed = _workshop.signed_in_team(db)
    if signed is None:
        join_form(db)
        return
    team, token = signed
    card = load_card(db.card_of(team.workshop))
    role = f" ({ROLES[team.role]}, table {team.table})" if team.role else ""
    st.markdown(f"Team **{escape_markdown(team.name)}**{role} · exercise: *{card.title}*")
    reentry = f"Your team's re-entry code: **{reentry_of(token)}**"
    if st.session_state.pop(JUST_JOINED, False):
        st.warning(f"{reentry}. Write it down: this page's address brings your team back after a reload "
                   "or on another device once the code is typed, and the code is not in the address.")
    else:
        st.caption(f"{reentry} (asked after a reload; it is not in the address).")
    with st.expander("Briefing", expanded=True):
        st.caption(f"About {card.minutes} minutes · article: {card.section}")
        st.markdown(card.briefing)
        st.markdown(f"**Question.** {card.question}  \n**Success.** {card.criterion}, with the whole 95% "
                    "interval on the right side.")
    round_status(db, team, token)
    position_form(db, card, team, token)
    results = db.own_results(team, token)
    for number in sorted(results, reverse=True):
        show_result(card, number, results[number])
    if results:
        st.download_button("Printable debrief (HTML)", team_debrief_html(card, team, results),
                           file_name="debrief.html", mime="text/html", on_click="ignore")


with _workshop.faults_shown():
    main()
