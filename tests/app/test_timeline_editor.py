"""Issue 31, point 5: the Over time page's events as typed columns, kept in the link, loaded back from
the YAML the page downloads."""

from __future__ import annotations

import pytest
from conftest import new_app
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.app import timeline_links as links
from sim.app.timeline_editor import COLUMN_SPECS, COLUMNS, events_to_rows, rows_to_events
from sim.spec.scenario import ScenarioError
from sim.spec.timeline_section import Event
from sim.timeline import parse_timeline, project
from sim.timeline.summary import summary

REPLAY = "history-1996-2018"
NAMES = ["baseline-2018", REPLAY]
#: One event of every kind the timeline section accepts (each a column of the table).
EVERY_KIND = [
    {"year": 2019, "offer": {"concession": 0.5}},
    {"year": 2019, "offer": {"concession": 0.25, "verification": 0.6, "terms": "pledge"}},
    {"year": 2020, "sign": True}, {"year": 2021, "deliver": True}, {"year": 2021, "attack": True},
    *({"year": 2022, k: True} for k in ("detection", "leader_death", "aq_leader_death", "is_surge",
                                         "takeover", "revelation", "haqqani_rise")),
    {"year": 2023, "ultimatum": {}}, {"year": 2023, "ultimatum": {"threat": 2.5}},
    {"year": 2024, "set": {"years_together": 22, "leader_legitimacy": 0.35, "aq_leader_standing": 0.4,
                           "bayat_public": 0.6, "haqqani_rank": 0.9, "is_threat": 1e-05,
                           "retaliation_memory": 0.5, "personal_ties": 1.5, "aq_money": 4.0,
                           "pledge_relief": 0.8, "chip_value": 0.4}},
    {"year": 2024, "set": {"governs": "in_power", "us_posture": "withdrawn"}},
    {"year": 2025, "hazards": {"leader_death": 0.1, "aq_leader_death": 0.2, "aq_attack": 0.3,
                               "is_surge": 0.4, "detection": 0.5, "takeover": 0.6, "revelation": 0.7,
                               "haqqani_rise": 0.8}},
    {"year": 2026, "levers": {"pressure": 1.0, "verification": 0.0}},
]


def models(events):
    return [Event.model_validate(e) for e in events]


# -- the typed table -------------------------------------------------------------------------------------


def test_every_field_of_an_event_is_a_typed_column_and_a_link_code():
    """A kind of event added to the timeline section without a column here fails this test."""
    tops = {c.key.split(".")[0] for c in COLUMN_SPECS}
    covered = tops | {"hazards", "levers"} - {"hazard", "lever", "threat", "verification", "terms"}
    assert set(Event.model_fields) <= covered
    assert set(links.CODES) == set(COLUMNS) - {"note", "section"}
    assert len(set(links.CODES.values())) == len(links.CODES)
    assert all(c.kind in ("whole", "number", "yes_no", "choice", "text") for c in COLUMN_SPECS)
    numbers = [c for c in COLUMN_SPECS if c.kind in ("whole", "number")]
    assert all(c.low is not None and c.high is not None for c in numbers)


def test_the_table_gives_back_every_kind_of_event_in_year_order():
    rows = events_to_rows(models(EVERY_KIND))
    assert models(rows_to_events(rows)) == models(EVERY_KIND)
    backwards = rows_to_events(rows[::-1])
    assert [e["year"] for e in backwards] == sorted(e["year"] for e in EVERY_KIND)
    replay = parse_timeline(sim.load_scenario(REPLAY).timeline, REPLAY).events
    assert models(rows_to_events(events_to_rows(replay))) == list(replay)   # notes and sources too


@pytest.mark.parametrize(("row", "where"), [
    ({"year": None}, "row 1.year: missing"),
    ({"year": "soon"}, "row 1.year"),
    ({"year": 1800}, "row 1.year"),
    ({"year": 2020, "offer": 1.5}, "row 1.offer"),
    ({"year": 2020, "set.aq_money": 6}, "row 1.set.aq_money"),
    ({"year": 2020, "set.governs": "anarchy"}, "row 1.set.governs"),
    ({"year": 2020, "terms": "pledge"}, "row 1.terms: needs an offer"),
    ({"year": 2020, "threat": 1.0}, "row 1.threat: a threat needs the ultimatum ticked"),
    ({"year": 2020, "attack": "maybe"}, "row 1.attack"),
    ({"year": 2020, "hazard.takeover": "\u00b2"}, "row 1.hazard.takeover"),
])
def test_a_bad_cell_is_named_by_its_row_and_column(row, where):
    with pytest.raises(ScenarioError) as err:
        rows_to_events([row])
    assert where in str(err.value)


def test_no_under_deliver_is_no_delivery():
    """The issue's bug: "no" typed under deliver counted as yes and delivered 864 deals. A box left
    unticked, or "no" written, delivers nothing; the same table with the box ticked delivers (the
    companion: the delivery mechanism is on)."""
    table = [{"year": 2019, "offer": 0.5, "verification": 0.6}, {"year": 2020, "sign": True}]
    ticked = rows_to_events([*table, {"year": 2021, "deliver": True}])
    for no in ("no", False, None, float("nan")):
        events = rows_to_events([*table, {"year": 2021, "deliver": no}])
        assert not any(e.get("deliver") for e in events)
        assert links.decode_events(links.encode_events(events))[0] == events
    assert ticked[-1] == {"year": 2021, "deliver": True}

    def delivered(events):
        sc = sim.load_scenario("baseline-2018", {"timeline.events": events})
        return summary(project(sc, years=5, draws=300))["deal"]["delivered"]
    assert delivered(rows_to_events([*table, {"year": 2021, "deliver": "no"}])) == 0
    assert delivered(ticked) > 0


# -- the link --------------------------------------------------------------------------------------------

def _row_strategy():
    """A row of the table with any subset of its columns filled within their ranges (no note)."""
    cells = {}
    for c in COLUMN_SPECS:
        if c.kind == "yes_no":
            cells[c.key] = st.booleans()
        elif c.kind == "choice":
            cells[c.key] = st.none() | st.sampled_from(c.options)
        elif c.kind == "whole":
            cells[c.key] = st.integers(int(c.low), int(c.high))
        elif c.kind == "number":
            cells[c.key] = st.none() | st.floats(c.low, c.high, allow_nan=False)
    return st.fixed_dictionaries(cells).map(_consistent)


def _consistent(row):
    if row["offer"] is None:
        row["verification"] = row["terms"] = None
    if not row["ultimatum"]:
        row["threat"] = None
    return row


def test_the_link_gives_back_every_kind_of_event():
    text = links.encode_events(EVERY_KIND)
    assert "~" in text and text.isascii() and len(text) < 400
    events, problems = links.decode_events(text)
    assert problems == [] and models(events) == models(EVERY_KIND)


@settings(max_examples=60, deadline=None)
@given(st.lists(_row_strategy(), max_size=6))
def test_any_table_survives_the_link(rows):
    events = rows_to_events(rows)
    back, problems = links.decode_events(links.encode_events(events))
    assert problems == [] and models(back) == models(events)


@pytest.mark.parametrize(("text", "says"), ids=range(16), argvalues=[
    ("y2019~" + "o0.5~" * 1_200, "characters, at most"),
    ("y2019~o%C2%B2", "not a number"),
    ("y2019~o\u00b2", "not a number"),
    ("y\u0663\u0660\u0661\u0669", "not a whole number"),
    ("y2019~o\u0660.5", "not a number"),
    ("y2019~o1.5", "must be a number from 0 to 1"),
    ("y2019~am7", "must be a number from 0 to 5"),
    ("y2019~t2", "from 0 to 1"),
    ("y3000", "from 1,900 to 2,200"),
    ("y2019~zz", "not a kind of event the page knows"),
    ("y2019~<b>x</b>", "not a kind of event the page knows"),
    ("o0.5~y2019", "before the first event's year"),
    ("y2019~sg~sg", "given twice"),
    ("y2019~sg1", "carries no value"),
    ("y2019~t1", "needs an offer"),
    ("~".join(["y2019"] * 201), "more than 200 events"),
])
def test_a_hostile_link_is_refused_with_a_message(text, says):
    events, problems = links.decode_events(text)
    assert events is None and any(says in p for p in problems), problems


def test_a_link_of_many_faults_names_a_few_and_counts_the_rest():
    events, problems = links.decode_events("~" * 5_999)
    assert events is None and len(problems) == links.MAX_LINK_PROBLEMS + 1
    assert problems[-1] == f"... {6_000 - links.MAX_LINK_PROBLEMS:,} more"


def test_a_link_whose_events_do_not_fit_the_scenario_keeps_the_scenario_own():
    for text, says in (("y1990~sg", "before the timeline's start"),
                       ("y2019~dl~y2020~o0.5", "cannot be offered again")):
        events, problems = links.events_from_link({"ot_events": text}, "baseline-2018")
        assert events is None and says in problems[0]
    assert links.events_from_link({}, "baseline-2018") == (None, [])


def test_the_link_keeps_edited_events_only_and_brings_notes_back():
    own = [e.model_dump(exclude_defaults=True)
           for e in parse_timeline(sim.load_scenario(REPLAY).timeline, REPLAY).events]
    assert links.events_query(own, own) == {}
    edited = [*own[:-1], {**own[-1], "set": {"pledge_relief": 0.5}}]
    query = links.events_query(edited, own)
    assert "Haibatullah" not in query["ot_events"]   # notes stay out of the link
    back, problems = links.events_from_link(query, REPLAY)
    assert problems == []
    assert models(back[:-1]) == models(own[:-1])     # unchanged events get their notes back
    assert back[-1] == {"year": 2018, "set": {"pledge_relief": 0.5}}


# -- the YAML download, uploaded back --------------------------------------------------------------------


def test_download_then_upload_gives_the_same_events_and_levers():
    events = [*EVERY_KIND[:4], {"year": 2025, "levers": {"pressure": 0.9}, "note": "a note"}]
    downloaded = sim.load_scenario("baseline-2018", {"timeline.events": events}).to_yaml()
    got = links.events_from_upload(downloaded.encode(), "baseline-2018-timeline.yaml", NAMES)
    assert got.problems == [] and got.unused == [] and got.scenario == "baseline-2018"
    assert got.file == "baseline-2018-timeline.yaml"
    assert models(got.events) == models(events)
    again = sim.load_scenario(got.scenario, {"timeline.events": got.events}).to_yaml()
    assert again == downloaded
    changed = downloaded.replace("concession: 0.0", "concession: 0.4")
    assert changed != downloaded
    assert links.events_from_upload(changed.encode(), "x.yaml", NAMES).unused == ["levers"]


@pytest.mark.parametrize(("data", "says"), [
    (b"name: baseline-2018\n" + b"#" * (1024 * 1024), "larger than 1,048,576 bytes"),
    (b"\xff\xfe\x00binary", "not UTF-8 text"),
    (b"name: [unclosed\n", "x.yaml"),
    (b"- a list\n", "must be a mapping"),
    (b"extends: baseline-2018\nname: baseline-2018\n", "extends"),
    (b"name: <b>mine</b>\n", "is not one of the page's scenarios"),
    (b"name: baseline-2018\nlevers: {concession: 2}\n", "levers"),
    (b"a: &x 1\nb: *x\n", "x.yaml"),
])
def test_a_bad_upload_is_refused_with_a_message_and_the_edited_events_kept(data, says):
    got = links.events_from_upload(data, "x.yaml", NAMES)
    assert got.events is None and any(says in p for p in got.problems), got.problems
    state = {"ot_scenario": REPLAY, f"ot_base_{REPLAY}": EVERY_KIND[:1]}
    links.take_upload(state, got)
    assert state == {"ot_scenario": REPLAY, f"ot_base_{REPLAY}": EVERY_KIND[:1], "ot_upload_result": got}


def test_a_good_upload_becomes_the_table_and_chooses_its_scenario():
    downloaded = sim.load_scenario("baseline-2018", {"timeline.events": EVERY_KIND[:3]}).to_yaml()
    state = {"ot_scenario": REPLAY}
    links.take_upload(state, links.events_from_upload(downloaded.encode(), "b.yaml", NAMES))
    assert state["ot_scenario"] == "baseline-2018" and state["ot_version_baseline-2018"] == 1
    assert models(state["ot_base_baseline-2018"]) == models(EVERY_KIND[:3])


# -- the page --------------------------------------------------------------------------------------------


@pytest.mark.subprocess
def test_the_page_restores_the_events_of_its_link_and_writes_them_back(fresh_cache):
    text = links.encode_events(EVERY_KIND[:4])
    at = new_app(ot_scenario="baseline-2018", ot_years="5", ot_draws="500", ot_events=text)
    at.switch_page("app_pages/over_time.py").run()
    assert not at.exception and not at.warning
    assert at.query_params["ot_events"] in (text, [text])
    delivered = at.metric[2].value
    assert delivered.split(" / ")[0] != "0"   # the link's delivery is in the projection


@pytest.mark.subprocess
@pytest.mark.parametrize("text", ["y2019~o%C2%B2", "y2019~dl~y2020~o0.5", "<script>", "y" + "9" * 7_000],
                         ids=["superscript", "offer-after-delivery", "markup", "too-long"])
def test_a_hostile_events_link_is_named_and_the_scenario_own_events_used(fresh_cache, text):
    at = new_app(ot_scenario="baseline-2018", ot_years="5", ot_draws="500", ot_events=text)
    at.switch_page("app_pages/over_time.py").run()
    assert not at.exception
    assert any("ot\\_events" in w.value and "the scenario's own are" in w.value for w in at.warning)
    assert "ot_events" not in at.query_params
