"""The workshop store: concurrent writers lose nothing, the schema migrates, secrets stay secret and a
team's token is the only way to its data."""

from __future__ import annotations

import multiprocessing
import sqlite3
import time
from collections import Counter

import pytest

from sim.workshop import flows
from sim.workshop.cards import load_card
from sim.workshop.export import team_debrief_html, workshop_csv
from sim.workshop.store import CODE_ALPHABET, CODE_LENGTH, MIGRATIONS, SCHEMA_VERSION, Store, WorkshopError

PROCESSES = 8
EACH = 50
CARD = "1-price-of-a-deal"


def _submit_many(path: str, team_id: int, token: str, start, errors) -> None:
    store = Store(path)
    team = store.team(team_id, token)
    start.wait()
    for i in range(EACH):
        try:
            flows.submit(store, team, token, {"concession": round(i / EACH, 4)}, "yes")
        except Exception as exc:  # noqa: BLE001 - counted and reported by the parent
            errors.put(f"{team.name} #{i}: {exc!r}")


def test_eight_processes_submitting_fifty_times_each_lose_and_duplicate_nothing(store):
    workshop, _ = store.create_workshop(CARD)
    teams = [store.join(workshop.code, f"T{i}") for i in range(PROCESSES)]
    store.open_round(workshop.id, minutes=10, draws=2000)
    ctx = multiprocessing.get_context("fork")
    start, errors = ctx.Barrier(PROCESSES), ctx.Queue()
    procs = [ctx.Process(target=_submit_many, args=(str(store.path), t.id, tok, start, errors))
             for t, tok in teams]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    assert all(p.exitcode == 0 for p in procs)
    assert errors.empty()
    subs = store.all_submissions(workshop.id)
    assert len(subs) == PROCESSES * EACH
    assert len({s.id for s in subs}) == len(subs)
    per_team = Counter((s.team, s.position["concession"]) for s in subs)
    assert set(per_team.values()) == {1}
    assert Counter(s.team for s in subs) == {t.id: EACH for t, _ in teams}
    latest = store.latest_submissions(workshop.id, 1)
    assert {s.position["concession"] for s in latest.values()} == {round((EACH - 1) / EACH, 4)}
    with sqlite3.connect(store.path) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_version_one_database_migrates_to_the_current_schema_and_keeps_its_data(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as con:
        con.executescript(MIGRATIONS[0] + "PRAGMA user_version = 1;")
        con.execute("INSERT INTO workshops (code, card, key_digest, created) VALUES ('ABCDEF', ?, 'x', 0)",
                    (CARD,))
    store = Store(path)
    assert store.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)
    assert store.workshop("abc def").card == CARD
    with sqlite3.connect(path) as con:
        indexes = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "submissions_by_team_round" in indexes


def test_a_database_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as con:
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(WorkshopError, match="newer version"):
        Store(path)


def test_join_codes_are_random_and_the_facilitator_key_is_stored_only_as_a_digest(store):
    made = [store.create_workshop(CARD) for _ in range(20)]
    codes = {w.code for w, _ in made}
    assert len(codes) == 20
    assert all(len(c) == CODE_LENGTH and set(c) <= set(CODE_ALPHABET) for c in codes)
    workshop, key = made[0]
    raw = b"".join(p.read_bytes() for p in store.path.parent.glob(store.path.name + "*"))
    assert key.encode() not in raw
    with pytest.raises(WorkshopError):
        store.facilitate(workshop.code, key + "x")
    with pytest.raises(WorkshopError):
        store.facilitate(made[1][0].code, key)


def test_a_team_token_opens_only_its_own_team(store):
    workshop, _ = store.create_workshop(CARD)
    (a, token_a), (b, _) = store.join(workshop.code, "Alpha"), store.join(workshop.code, "Bravo")
    store.open_round(workshop.id, minutes=5, draws=2000)
    assert store.team(a.id, token_a) == a
    for team_id in (b.id, str(b.id), "1 OR 1=1", None):
        with pytest.raises(WorkshopError, match="not signed in"):
            store.team(team_id, token_a)
    with pytest.raises(WorkshopError, match="not signed in"):
        flows.submit(store, b, token_a, {"concession": 0.5}, "yes")
    with pytest.raises(WorkshopError, match="not signed in"):
        store.own_results(b, token_a)
    assert store.all_submissions(workshop.id) == []


def test_duplicate_names_and_a_second_team_in_one_role_at_a_table_are_refused(store):
    workshop, _ = store.create_workshop(CARD)
    store.join(workshop.code, "Alpha")
    with pytest.raises(WorkshopError, match="already joined"):
        store.join(workshop.code, "  alpha ")
    roles, _ = store.create_workshop("6-three-player-table")
    store.join(roles.code, "US 1", role="us", table=1)
    with pytest.raises(WorkshopError, match="already has a team in that role"):
        store.join(roles.code, "US 2", role="us", table=1)
    assert [t.name for t in store.teams(workshop.id)] == ["Alpha"]
    assert [t.name for t in store.teams(roles.id)] == ["US 1"]


@pytest.mark.parametrize("form", [{"concession": 1.5}, {"concession": "nan"}, {"concession": "x"}, {},
                                  {"concession": 0.5, "leader_legitimacy": 0.1}])
def test_a_crafted_position_is_refused_whole(store, form):
    workshop, _ = store.create_workshop(CARD)
    team, token = store.join(workshop.code, "Alpha")
    store.open_round(workshop.id, minutes=5, draws=2000)
    with pytest.raises(WorkshopError, match="not recorded"):
        flows.submit(store, team, token, form, "yes")
    assert store.all_submissions(workshop.id) == []


def test_a_submission_after_the_countdown_is_refused_even_before_the_lock(store):
    workshop, _ = store.create_workshop(CARD)
    team, token = store.join(workshop.code, "Alpha")
    store.open_round(workshop.id, minutes=0.001, draws=2000)
    time.sleep(0.1)
    with pytest.raises(WorkshopError, match="No round is open"):
        flows.submit(store, team, token, {"concession": 0.5}, "yes")
    assert store.all_submissions(workshop.id) == []


def test_team_names_are_escaped_in_the_debrief_and_defused_in_the_csv(store):
    workshop, _ = store.create_workshop(CARD)
    team, token = store.join(workshop.code, "=HYPERLINK(1)<script>x</script>")
    store.open_round(workshop.id, minutes=5, draws=2000)
    flows.submit(store, team, token, {"concession": 0.5}, "no")
    flows.lock_and_adjudicate(store, workshop)
    card = load_card(CARD)
    page = team_debrief_html(card, team, store.own_results(team, token))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert ",'=HYPERLINK(1)" in workshop_csv(store, workshop, card)
