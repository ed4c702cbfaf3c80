"""Workshop, team page: join with the facilitator's code, submit a position each round, read the result."""

from __future__ import annotations

import streamlit as st

from app_pages import _workshop
from sim.present.settings import escape_markdown
from sim.workshop import flows
from sim.workshop.cards import ROLES, Card, Control, load_card
from sim.workshop.export import MODEL_WORDS, path_chart, team_debrief_html
from sim.workshop.shocks import SHOCKS
from sim.workshop.store import MAX_TEAM_NAME, Round, Store, Team, WorkshopError, normal_code, reentry_of

JUST_JOINED = "ws_just_joined"
#: A join waiting for its role and table: (join code, team name), on a card that seats roles.
PENDING = "ws_join_pending"
JUST_SUBMITTED = "ws_just_submitted"
#: The team whose last position this session's form was filled from (once per session).
RESTORED = "ws_form_restored"
PREDICTION = "prediction"


def join_form(db: Store) -> None:
    """The join code and the team's name; a role and a table are asked next, and only on a card that
    seats roles."""
    pending = st.session_state.get(PENDING)
    if pending:
        role_form(db, *pending)
        return
    st.header("Join a workshop")
    if _workshop.JOIN_PARAM in st.query_params:   # the join link or QR code the facilitator shows
        st.session_state.setdefault("join_code", normal_code(st.query_params[_workshop.JOIN_PARAM])[:12])
    with st.form("join"):
        code = st.text_input("Join code (from your facilitator)", max_chars=12, key="join_code")
        name = st.text_input("Team name", max_chars=MAX_TEAM_NAME, key="join_name")
        if not st.form_submit_button("Join"):
            return
    try:
        card = load_card(db.workshop(code).card)
        if card.roles:
            st.session_state[PENDING] = (code, name)
            st.rerun()
        team, token = db.join(code, name, None, 1)
    except WorkshopError as exc:
        _workshop.show_problem(exc)
        return
    signed_in(team.id, token)


def role_form(db: Store, code: str, name: str) -> None:
    st.header("Your role and table")
    st.caption(f"Team **{escape_markdown(name)}**: in this exercise three teams sit at each table, one "
               "for each player. Your facilitator tells you your role and your table.")
    with st.form("join_role"):
        role = st.selectbox("Role", list(ROLES), index=None, format_func=ROLES.get,
                            placeholder="Choose the role your facilitator gave you", key="join_role")
        table = st.number_input("Table", 1, 8, 1, key="join_table")
        joined = st.form_submit_button("Join")
    if st.button("Back: change the join code or the team name", key="join_back"):
        st.session_state.pop(PENDING, None)
        st.session_state["join_code"], st.session_state["join_name"] = code, name   # nothing typed is lost
        st.rerun()
    if not joined:
        return
    if role is None:
        st.error("Choose the role your facilitator gave you.")
        return
    try:
        team, token = db.join(code, name, role, int(table))
    except WorkshopError as exc:
        _workshop.show_problem(exc)
        return
    st.session_state.pop(PENDING, None)
    signed_in(team.id, token)


def signed_in(team_id: int, token: str) -> None:
    st.session_state[_workshop.TEAM] = (team_id, token)
    st.session_state[JUST_JOINED] = True
    st.rerun()


def control_input(control: Control, key: str):
    if control.options is not None:
        options = list(control.options)
        index = {} if key in st.session_state else {"index": 0}
        return st.radio(control.label, options, key=key, help=control.help or None, **index)
    value = {} if key in st.session_state else {"value": float(control.start)}
    return st.slider(control.label, control.low, control.high, step=control.step, key=key,
                     help=control.help or None, **value)


def restore_position(db: Store, card: Card, team: Team, token: str) -> None:
    """Once per session: the form shows the team's last submitted position and prediction, so a
    reload or another device starts from what the team recorded, not from the card's defaults."""
    if st.session_state.get(RESTORED) == team.id:
        return
    st.session_state[RESTORED] = team.id
    last = db.last_own_submission(team, token)
    if last is None:
        return
    for control in card.controls_for(team.role):
        if control.name in last.position:
            value = last.position[control.name]
            st.session_state[f"ctl:{control.name}"] = value if control.options is not None else float(value)
    if last.prediction in flows.PREDICTIONS:
        st.session_state[PREDICTION] = last.prediction


def position_form(db: Store, card: Card, team: Team, token: str) -> None:
    restore_position(db, card, team, token)
    if st.session_state.pop(JUST_SUBMITTED, False):
        st.success("Position recorded. You may change it until the round is locked; the last one counts.")
    with st.form("position"):
        form = {c.name: control_input(c, f"ctl:{c.name}") for c in card.controls_for(team.role)}
        prediction = st.radio(f"Your prediction: will {card.criterion} hold?", list(flows.PREDICTIONS),
                              key=PREDICTION, horizontal=True,
                              **({} if PREDICTION in st.session_state else {"index": None}))
        if not st.form_submit_button("Submit our position"):
            return
    try:
        flows.submit(db, team, token, form, prediction)
    except WorkshopError as exc:
        _workshop.show_problem(exc)
        return
    st.session_state[JUST_SUBMITTED] = True
    st.rerun()   # the status above reads the position just recorded


#: What this page last drew: (round, its status, the rounds with a result), or ``None`` before a round.
SEEN = "ws_team_seen"
#: Seconds between the team page's checks: a result shows about this long after the lock at most,
#: plus one run of the page. A check draws only the status, so it stays cheap for a class of phones.
PULSE_SECONDS = 1


def round_state(db: Store, team: Team, token: str) -> tuple[Round | None, dict[int, dict]]:
    rounds = db.rounds(team.workshop)
    return (rounds[-1] if rounds else None), db.own_results(team, token)


def seen(current: Round | None, results: dict[int, dict]) -> tuple | None:
    return None if current is None else (current.number, current.status, tuple(sorted(results)))


@st.fragment(run_every=PULSE_SECONDS)
def live(db: Store, team: Team, token: str) -> None:
    """The round's status, checked every second: when a round opens or locks, or a result arrives,
    the whole page is drawn again, so a result shows the moment the facilitator locks the round,
    with no reload (the results themselves are drawn by the page, not at every check)."""
    with _workshop.faults_shown():
        current, results = round_state(db, team, token)
        show_status(db, team, token, current, results)
        now = seen(current, results)
        if st.session_state.get(SEEN, now) != now:
            st.session_state[SEEN] = now
            st.rerun()


def show_status(db: Store, team: Team, token: str, current: Round | None, results: dict[int, dict]) -> None:
    if current is None:
        st.info("No round has started yet: wait for the facilitator to open round 1.")
    elif current.status == "open":
        mine = db.own_submission(team, token, current.number)
        st.metric(f"Round {current.number}: time left", current.countdown())
        st.caption("Your position is recorded: you may change it below until the lock; the last one counts."
                   if mine else "Not submitted yet: set your position below and submit it.")
    else:   # locked: its results are stored a moment after the lock, while every game is solved
        if current.number in results:
            shown = "its result is below"
        elif db.own_submission(team, token, current.number):
            shown = "your result is being worked out and shows here in a moment"
        else:
            shown = "it had no position from your team"
        st.info(f"Round {current.number} is locked: {shown}. Wait for the facilitator to open the next "
                "round.")


def show_results(card: Card, team: Team, results: dict[int, dict]) -> None:
    for number in sorted(results, reverse=True):
        show_result(card, number, results[number])
    if results:
        st.download_button("Printable debrief (HTML)", team_debrief_html(card, team, results),
                           file_name="debrief.html", mime="text/html", on_click="ignore")


def show_result(card: Card, number: int, result: dict) -> None:
    st.header(f"Round {number}")
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
    st.caption(escape_markdown(f"Model: {result.get('model_label', MODEL_WORDS['prior'])}."))
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
    st.markdown(f"Team **{escape_markdown(team.name)}**{role} · exercise: *{card.title}* · model: "
                + escape_markdown(MODEL_WORDS[db.model_of(team.workshop)]))
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
    current, results = round_state(db, team, token)
    st.session_state[SEEN] = seen(current, results)   # what this run draws: the checks compare with it
    live(db, team, token)
    show_results(card, team, results)
    position_form(db, card, team, token)


with _workshop.faults_shown():
    main()
