"""Faults of the workshop's database file, injected: a file that is not a database, damaged pages, a
read-only folder, a full disk, a folder that cannot be created, a path that is a folder. Each is a
:class:`StoreFault` saying what happened and what to do (the pages show it, never a traceback), data
that can still be read is read, and a facilitator's backup restores the workshop into a new file.

The full disk is simulated inside SQLite: ``PRAGMA max_page_count`` set to the file's size on every
connection makes the next write that needs a page fail as a full disk does (``SQLITE_FULL``), without
filling a real file system. The read-only folder is real: ``chmod`` (or, as root, whom ``chmod`` does
not stop, ``chattr +i``).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import sim.workshop.store as store_module
from sim.workshop import flows
from sim.workshop.store import DB_ENV, Store, StoreFault, WorkshopError

APP = Path(__file__).resolve().parents[2] / "app.py"
BOARD, TEAM_PAGE = "app_pages/workshop_board.py", "app_pages/workshop_team.py"
CARD = "1-price-of-a-deal"


def filled(path: Path) -> tuple[Store, str, str, int, str]:
    """A store with two workshops, a team each, a round and a submission: the first workshop's
    (store, code, key, team id, team token)."""
    db = Store(path)
    workshop, key = db.create_workshop(CARD)
    other, _ = db.create_workshop(CARD)
    team, token = db.join(workshop.code, "Alpha")
    db.join(other.code, "Other team")
    db.open_round(workshop.id, 10, 2000)
    flows.submit(db, team, token, {"concession": 0.7}, "yes")
    return db, workshop.code, key, team.id, token


@contextmanager
def read_only_folder(folder: Path) -> Iterator[None]:
    """``folder`` made read-only for this process: by its mode, or (for root) its immutable flag."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)
        return
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("root without CAP_LINUX_IMMUTABLE: no way to make a folder read-only here")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.fixture(autouse=True)
def fresh_integrity_checks(monkeypatch):
    """Each test starts as a new process would: no file known sound yet."""
    monkeypatch.setattr(store_module, "_INTACT", set())


def test_a_file_that_is_not_a_database_is_a_fault_saying_what_to_do(tmp_path):
    path = tmp_path / "workshop.sqlite3"
    path.write_bytes(b"this is a spreadsheet, not a database\n" * 200)
    with pytest.raises(StoreFault) as fault:
        Store(path)
    assert fault.value.kind == "corrupt" and "not a SQLite database" in fault.value.what
    assert "backup" in fault.value.todo and "ALLIANCE_WORKSHOP_DB" in fault.value.todo
    assert path.read_bytes().startswith(b"this is a spreadsheet")   # nothing written over it


def damage(path: Path) -> None:
    """Overwrite the pages of the teams and submissions tables with junk, as a failing disk might (the
    schema on the first page stays readable, so the file opens and the damage is met later)."""
    con = sqlite3.connect(path)
    try:
        size = con.execute("PRAGMA page_size").fetchone()[0]
        roots = [r[0] for r in con.execute("SELECT rootpage FROM sqlite_master WHERE name IN "
                                           "('teams', 'submissions')")]
    finally:
        con.close()
    with path.open("r+b") as f:
        for page in roots:
            f.seek((page - 1) * size)
            f.write(b"\xa5" * size)
    store_module._INTACT.clear()   # as a new process finds it


def test_damaged_pages_are_found_by_the_check_at_start_and_by_a_write(tmp_path, monkeypatch):
    path = tmp_path / "workshop.sqlite3"
    db, code, key, team_id, token = filled(path)
    damage(path)
    with pytest.raises(StoreFault) as at_start:
        Store(path)
    assert at_start.value.kind == "corrupt" and "integrity check" in at_start.value.what
    # Damaged after the check passed (the server running): the write is a fault too, not SQLite's error.
    with pytest.raises(StoreFault) as on_write:
        db.join(code, "Bravo")
    assert on_write.value.kind == "corrupt" and "backup" in on_write.value.todo


def test_a_read_only_folder_opens_the_store_read_only_and_refuses_writes_with_a_fault(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "workshop.sqlite3"
    _, code, key, team_id, token = filled(path)
    assert not (folder / "workshop.sqlite3-shm").exists()   # the last connection closed: WAL files gone
    with read_only_folder(folder):
        try:   # as the issue found: WAL cannot create its -shm file, so even a plain read fails
            plain = sqlite3.connect(path)
            with pytest.raises(sqlite3.OperationalError):
                plain.execute("SELECT COUNT(*) FROM workshops").fetchone()
        finally:
            plain.close()
        db = Store(path)
        assert db.read_only
        workshop = db.facilitate(code, key)
        team = db.team(str(team_id), token)
        assert [t.name for t in db.teams(workshop.id)] == ["Alpha"]
        assert db.own_submission(team, token, 1).position == {"concession": 0.7}
        assert db.backup(workshop)   # the facilitator can still take the data away
        with pytest.raises(StoreFault) as fault:
            db.lock_round(workshop.id)
        assert fault.value.kind == "read-only" and "writable" in fault.value.todo
        assert db.rounds(workshop.id)[-1].status == "open"


def test_a_new_file_in_a_read_only_folder_is_a_fault(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only_folder(folder), pytest.raises(StoreFault) as fault:
        Store(folder / "workshop.sqlite3")
    assert fault.value.kind == "read-only"


def full_disk(monkeypatch, path: Path) -> None:
    """Every later connection may not grow the file past its present size: a full disk, to SQLite."""
    pages = sqlite3.connect(path).execute("PRAGMA page_count").fetchone()[0]
    connect = Store._connect

    def limited(self):
        con = connect(self)
        con.execute(f"PRAGMA max_page_count = {pages}")
        return con

    monkeypatch.setattr(Store, "_connect", limited)


def test_a_full_disk_is_a_fault_that_keeps_what_was_recorded(tmp_path, monkeypatch):
    path = tmp_path / "workshop.sqlite3"
    db, code, key, team_id, token = filled(path)
    full_disk(monkeypatch, path)
    workshop = db.workshop(code)
    team = db.team(team_id, token)
    with pytest.raises(StoreFault) as fault:
        for i in range(500):
            flows.submit(db, team, token, {"concession": 0.5}, "no" if i % 2 else "yes")
    assert fault.value.kind == "disk" and "Free space" in fault.value.todo
    assert "full" in fault.value.what
    assert db.all_submissions(workshop.id)[0].position == {"concession": 0.7}
    assert db.facilitate(code, key) == workshop


def test_a_folder_that_cannot_be_created_and_a_path_that_is_a_folder_are_faults(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreFault) as no_folder:
        Store(blocker / "sub" / "workshop.sqlite3")
    assert no_folder.value.kind == "folder" and str(blocker / "sub") in no_folder.value.what
    with pytest.raises(StoreFault) as a_folder:
        Store(tmp_path)
    assert a_folder.value.kind == "directory" and "ALLIANCE_WORKSHOP_DB" in a_folder.value.todo


def test_a_backup_holds_one_workshop_and_restores_it_into_a_new_file_with_its_teams_links(tmp_path):
    db, code, key, team_id, token = filled(tmp_path / "old.sqlite3")
    workshop = db.workshop(code)
    others = [w for w in db._read("SELECT code FROM workshops") if w["code"] != code]
    data = db.backup(workshop)
    assert data.startswith(b"SQLite format 3\x00") and others[0]["code"].encode() not in data
    assert b"Other team" not in data
    new = Store(tmp_path / "new.sqlite3")
    with pytest.raises(WorkshopError, match="do not match"):
        new.restore(data, code, "a guessed key")
    with pytest.raises(WorkshopError, match="not a workshop backup"):
        new.restore(b"SQLite format 3\x00" + b"\x00" * 5000, code, key)
    assert new.restore(data, code, key) == workshop
    team = new.team(f"{team_id}", token)   # the team's link still opens its team
    assert new.own_submission(team, token, 1).position == {"concession": 0.7}
    assert new.rounds(workshop.id) == db.rounds(workshop.id)
    assert db.restore(data, code, key) == workshop   # over itself: replaced, not doubled
    assert len(db.all_submissions(workshop.id)) == 1 and len(db.teams(workshop.id)) == 1


def test_a_backup_is_refused_where_other_workshops_hold_its_ids(tmp_path):
    db, code, key, _, _ = filled(tmp_path / "old.sqlite3")
    data = db.backup(db.workshop(code))
    elsewhere = Store(tmp_path / "elsewhere.sqlite3")
    elsewhere.create_workshop(CARD)
    with pytest.raises(WorkshopError, match="restore into a new file"):
        elsewhere.restore(data, code, key)


# ----------------------------------------------------------------------------- the pages


def page(path: str) -> AppTest:
    return AppTest.from_file(str(APP), default_timeout=30).switch_page(path).run()


def shows_fault(at: AppTest, words: str) -> bool:
    return (not at.exception and any("cannot be used" in e.value and words in e.value for e in at.error)
            and any("What to do" in i.value for i in at.info))


@pytest.mark.parametrize("fault", ["not a database", "damaged", "folder", "directory"])
def test_each_page_shows_the_fault_and_what_to_do_instead_of_a_traceback(tmp_path, monkeypatch, fault):
    path = tmp_path / "workshop.sqlite3"
    if fault == "not a database":
        path.write_bytes(b"\x00junk" * 1000)
        words = "not a SQLite database"
    elif fault == "damaged":
        filled(path)
        damage(path)
        words = "integrity check"
    elif fault == "folder":
        (tmp_path / "a-file").write_text("")
        path = tmp_path / "a-file" / "workshop.sqlite3"
        words = "cannot be created"
    else:
        path = tmp_path
        words = "is a folder"
    monkeypatch.setenv(DB_ENV, str(path))
    for name in (BOARD, TEAM_PAGE):
        at = page(name)
        assert shows_fault(at, words), (name, [e.value for e in at.error], at.exception)


def test_a_team_submitting_on_a_full_disk_sees_the_fault_and_keeps_its_choice(tmp_path, monkeypatch):
    path = tmp_path / "workshop.sqlite3"
    _, code, _, team_id, token = filled(path)
    monkeypatch.setenv(DB_ENV, str(path))
    at = AppTest.from_file(str(APP), default_timeout=30).switch_page(TEAM_PAGE)
    at.session_state["ws_team"] = (team_id, token)
    at.run()
    full_disk(monkeypatch, path)
    at.slider(key="ctl:concession").set_value(0.3)
    clicks = 0
    while not at.error and clicks < 200:   # until a submission needs a page the disk has not got
        next(b for b in at.button if b.label.startswith("Submit")).click().run()
        clicks += 1
    assert shows_fault(at, "full or failing")
    assert at.slider(key="ctl:concession").value == 0.3


def test_the_board_on_a_read_only_folder_says_so_and_still_shows_the_workshop(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    _, code, key, _, _ = filled(folder / "workshop.sqlite3")
    monkeypatch.setenv(DB_ENV, str(folder / "workshop.sqlite3"))
    with read_only_folder(folder):
        at = AppTest.from_file(str(APP), default_timeout=30).switch_page(BOARD)
        at.session_state["ws_facilitator"] = (code, key)
        at.run()
        assert not at.exception and any("Read-only" in w.value for w in at.warning)
        assert at.dataframe[0].value["team"].tolist() == ["Alpha"]
        next(b for b in at.button if b.label.startswith("Lock round")).click().run()
        assert shows_fault(at, "read but not written")


def test_the_board_offers_the_backup_and_restores_it_into_a_new_file(tmp_path, monkeypatch):
    db, code, key, _, _ = filled(tmp_path / "old.sqlite3")
    data = db.backup(db.workshop(code))
    monkeypatch.setenv(DB_ENV, str(tmp_path / "old.sqlite3"))
    board = AppTest.from_file(str(APP), default_timeout=30).switch_page(BOARD)
    board.session_state["ws_facilitator"] = (code, key)
    board.run()
    assert any(b.label.startswith("Backup of this workshop") for b in board.get("download_button"))
    monkeypatch.setenv(DB_ENV, str(tmp_path / "new.sqlite3"))
    fresh = page(BOARD)
    fresh.file_uploader(key="restore_file").set_value(("workshop.sqlite3", data, "application/vnd.sqlite3"))
    fresh.text_input(key="restore_code").input(code)
    fresh.text_input(key="restore_key").input("wrong")
    next(b for b in fresh.button if b.label == "Restore").click().run()
    assert not fresh.exception and any("do not match" in e.value for e in fresh.error)
    fresh.text_input(key="restore_key").input(key)
    next(b for b in fresh.button if b.label == "Restore").click().run()
    assert not fresh.exception and fresh.session_state["ws_facilitator"] == (code, key)
    assert any(code in h.value for h in fresh.header)
    assert [t.name for t in Store(tmp_path / "new.sqlite3").teams(db.workshop(code).id)] == ["Alpha"]


# ----------------------------------------------------------------------------- the API's own checks


@pytest.mark.parametrize(("call", "words"), [
    (lambda db, w: db.open_round(w.id, True, 2000), "minutes"),
    (lambda db, w: db.open_round(w.id, 10, True), "draws"),
    (lambda db, w: db.open_round(w.id, "10", 2000), "minutes"),
    (lambda db, w: db.open_round(w.id, float("nan"), 2000), "minutes"),
    (lambda db, w: db.open_round(True, 10, 2000), "workshop id"),
    (lambda db, w: db.open_round(str(w.id), 10, 2000), "workshop id"),
    (lambda db, w: db.open_round(10**30, 10, 2000), "workshop id"),
    (lambda db, w: db.open_round(w.id + 1000, 10, 2000), "not in this database"),
    (lambda db, w: db.lock_round(w.id + 1000), "not in this database"),
    (lambda db, w: db.add_shock(w.id + 1000, "is_surge"), "not in this database"),
    (lambda db, w: db.add_shock(w.id, 3), "shock"),
    (lambda db, w: db.join(w.code, "Bravo", table=True), "table"),
    (lambda db, w: db.join(w.code, "Bravo", table=10**30), "table"),
    (lambda db, w: db.join(w.code, ["Bravo"]), "name"),
    (lambda db, w: db.teams(True), "workshop id"),
    (lambda db, w: db.card_of(w.id + 1000), "not in this database"),
    (lambda db, w: db.save_results(True, {}), "round"),
    (lambda db, w: db.save_results(1, {"1": {}}), "team id"),
])
def test_the_store_api_refuses_bools_text_and_unknown_workshops(tmp_path, call, words):
    db, code, _, _, _ = filled(tmp_path / "workshop.sqlite3")
    workshop = db.workshop(code)
    before = (db.rounds(workshop.id), db.shocks(workshop.id), db.teams(workshop.id))
    with pytest.raises(WorkshopError, match=words):
        call(db, workshop)
    assert (db.rounds(workshop.id), db.shocks(workshop.id), db.teams(workshop.id)) == before


def test_a_team_claiming_another_workshop_cannot_submit_into_its_round(tmp_path):
    import dataclasses

    db, code, _, team_id, token = filled(tmp_path / "workshop.sqlite3")
    other = next(w for w in db._read("SELECT id, code FROM workshops") if w["code"] != code)
    db.lock_round(db.workshop(code).id)       # our round is locked; the other workshop opens one
    db.open_round(other["id"], 10, 2000)
    forged = dataclasses.replace(db.team(team_id, token), workshop=other["id"])
    with pytest.raises(WorkshopError, match="No round is open"):
        db.submit(forged, token, {"concession": 0.1}, "yes")
    assert db.all_submissions(other["id"]) == []
