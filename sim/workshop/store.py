"""The workshop's SQLite store: workshops, teams, rounds, submissions, shocks and results.

One database file in WAL mode, one short ``BEGIN IMMEDIATE`` transaction per write, so that many
browser sessions (or processes) can submit at once without losing or corrupting anything. The schema
has a version (``PRAGMA user_version``) and a list of migrations applied in order on open.

Secrets: join codes and team tokens come from :mod:`secrets`; the facilitator's key and each team's
token are stored only as SHA-256 digests and checked with :func:`hmac.compare_digest`. Every team
operation takes the team's token, so a session can neither read nor change another team's data.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.spec.numbers import MAX_WHOLE, NumberError, read_whole

DB_ENV = "ALLIANCE_WORKSHOP_DB"
SECRETS_FILE = Path(".streamlit/secrets.toml")
SECRETS_KEY = "workshop_db"
#: Join-code letters: no 0/O or 1/I/L to misread on a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
MAX_TEAM_NAME = 40
MAX_TEAMS = 24
MAX_POSITION_BYTES = 2000
BUSY_MS = 15_000

MIGRATIONS: tuple[str, ...] = (
    # 1: the tables
    """
    CREATE TABLE workshops (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, card TEXT NOT NULL,
        key_digest TEXT NOT NULL, created REAL NOT NULL);
    CREATE TABLE teams (id INTEGER PRIMARY KEY, workshop INTEGER NOT NULL REFERENCES workshops(id),
        name TEXT NOT NULL, role TEXT, table_no INTEGER NOT NULL DEFAULT 1, token_digest TEXT NOT NULL,
        joined REAL NOT NULL, UNIQUE (workshop, name COLLATE NOCASE),
        UNIQUE (workshop, table_no, role));
    CREATE TABLE rounds (workshop INTEGER NOT NULL REFERENCES workshops(id), number INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('open', 'locked')), opened REAL NOT NULL,
        closes REAL NOT NULL, seed INTEGER NOT NULL, draws INTEGER NOT NULL, PRIMARY KEY (workshop, number));
    CREATE TABLE submissions (id INTEGER PRIMARY KEY, team INTEGER NOT NULL REFERENCES teams(id),
        round INTEGER NOT NULL, position TEXT NOT NULL, prediction TEXT NOT NULL, submitted REAL NOT NULL);
    CREATE TABLE shocks (workshop INTEGER NOT NULL REFERENCES workshops(id), key TEXT NOT NULL,
        from_round INTEGER NOT NULL, injected REAL NOT NULL);
    CREATE TABLE results (team INTEGER NOT NULL REFERENCES teams(id), round INTEGER NOT NULL,
        result TEXT NOT NULL, PRIMARY KEY (team, round));
    """,
    # 2: the board asks for a round's latest submissions every few seconds
    "CREATE INDEX submissions_by_team_round ON submissions (team, round, id);",
)
SCHEMA_VERSION = len(MIGRATIONS)


class WorkshopError(ValueError):
    """A request the workshop refuses, with a message for the person who made it."""


@dataclass(frozen=True)
class Workshop:
    id: int
    code: str
    card: str


@dataclass(frozen=True)
class Team:
    id: int
    workshop: int
    name: str
    role: str | None
    table: int


@dataclass(frozen=True)
class Round:
    number: int
    status: str
    opened: float
    closes: float
    seed: int
    draws: int

    def seconds_left(self, now: float | None = None) -> float:
        return max(0.0, self.closes - (time.time() if now is None else now)) if self.status == "open" else 0.0

    def countdown(self, now: float | None = None) -> str:
        """Time left as ``m:ss``."""
        minutes, seconds = divmod(int(self.seconds_left(now)), 60)
        return f"{minutes}:{seconds:02d}"


@dataclass(frozen=True)
class Submission:
    id: int
    team: int
    round: int
    position: dict[str, Any]
    prediction: str
    submitted: float


def default_path() -> Path:
    """The database file: ``$ALLIANCE_WORKSHOP_DB``, else ``workshop_db`` in ``.streamlit/secrets.toml``,
    else ``alliance-sim/workshop.sqlite3`` under the user's data directory."""
    if os.environ.get(DB_ENV):
        return Path(os.environ[DB_ENV])
    if SECRETS_FILE.is_file():
        with SECRETS_FILE.open("rb") as f:
            configured = tomllib.load(f).get(SECRETS_KEY)
        if configured:
            return Path(configured)
    data_home = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data_home) / "alliance-sim" / "workshop.sqlite3"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _same(secret: str, digest: str) -> bool:
    return hmac.compare_digest(_digest(secret), digest)


class Store:
    """All reads and writes of one database file; each call opens, commits and closes its connection."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.schema_version() != SCHEMA_VERSION:  # a page run on an up-to-date file takes no lock
            con = self._connect()
            try:
                con.execute("PRAGMA journal_mode=WAL")  # stays set in the file for every later connection
            finally:
                con.close()
            self.migrate()

    # ------------------------------------------------------------------------- connections

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short transaction that takes the write lock at once (no upgrade deadlocks)."""
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            yield con
            con.execute("COMMIT")
        except BaseException:
            if con.in_transaction:
                con.execute("ROLLBACK")
            raise
        finally:
            con.close()

    def _read(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        con = self._connect()
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def schema_version(self) -> int:
        return self._read("PRAGMA user_version")[0][0]

    def migrate(self) -> None:
        """Apply the migrations the file has not had yet, each with its version, in one transaction."""
        with self._write() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise WorkshopError(f"{self.path} was written by a newer version (schema {version})")
            for number in range(version, SCHEMA_VERSION):
                for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {number + 1}")

    # ------------------------------------------------------------------------- workshops

    def create_workshop(self, card: str) -> tuple[Workshop, str]:
        """A new workshop and its facilitator key (shown once; only its digest is kept)."""
        key = secrets.token_urlsafe(12)
        with self._write() as con:
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if not con.execute("SELECT 1 FROM workshops WHERE code = ?", (code,)).fetchone():
                    break
            cur = con.execute("INSERT INTO workshops (code, card, key_digest, created) VALUES (?, ?, ?, ?)",
                              (code, card, _digest(key), time.time()))
        return Workshop(cur.lastrowid, code, card), key

    def workshop(self, code: str) -> Workshop:
        rows = self._read("SELECT id, code, card FROM workshops WHERE code = ?", (normal_code(code),))
        if not rows:
            raise WorkshopError("No workshop has that join code: check it with your facilitator.")
        return Workshop(*rows[0])

    def card_of(self, workshop: int) -> str:
        return self._read("SELECT card FROM workshops WHERE id = ?", (workshop,))[0]["card"]

    def facilitate(self, code: str, key: str) -> Workshop:
        """The workshop whose facilitator key is ``key``; one message for a wrong code or key."""
        rows = self._read("SELECT id, code, card, key_digest FROM workshops WHERE code = ?",
                          (normal_code(code),))
        if not rows or not _same(key, rows[0]["key_digest"]):
            raise WorkshopError("That join code and facilitator key do not match a workshop.")
        return Workshop(*tuple(rows[0])[:3])

    # ------------------------------------------------------------------------- teams

    def join(self, code: str, name: str, role: str | None = None, table: int = 1) -> tuple[Team, str]:
        """Add a team; returns it and its secret token (the session's proof of being that team)."""
        name = " ".join(str(name).split())
        if not 1 <= len(name) <= MAX_TEAM_NAME:
            raise WorkshopError(f"A team name needs 1 to {MAX_TEAM_NAME} characters.")
        workshop = self.workshop(code)
        token = secrets.token_urlsafe(16)
        with self._write() as con:
            if con.execute("SELECT 1 FROM teams WHERE workshop = ? AND name = ? COLLATE NOCASE",
                           (workshop.id, name)).fetchone():
                raise WorkshopError("A team with that name has already joined: choose another name.")
            if con.execute("SELECT COUNT(*) FROM teams WHERE workshop = ?", (workshop.id,)).fetchone()[0] \
                    >= MAX_TEAMS:
                raise WorkshopError(f"This workshop already has {MAX_TEAMS} teams.")
            if role is not None and con.execute(
                    "SELECT 1 FROM teams WHERE workshop = ? AND table_no = ? AND role = ?",
                    (workshop.id, table, role)).fetchone():
                raise WorkshopError(f"Table {table} already has a team in that role: choose another table.")
            cur = con.execute("INSERT INTO teams (workshop, name, role, table_no, token_digest, joined) "
                              "VALUES (?, ?, ?, ?, ?, ?)",
                              (workshop.id, name, role, table, _digest(token), time.time()))
        return Team(cur.lastrowid, workshop.id, name, role, table), token

    def team(self, team_id: Any, token: Any) -> Team:
        """The team ``team_id`` if ``token`` is its token; otherwise a refusal that reveals nothing."""
        rows = self._read("SELECT id, workshop, name, role, table_no, token_digest FROM teams WHERE id = ?",
                          (_as_int(team_id),))
        if not rows or not isinstance(token, str) or not _same(token, rows[0]["token_digest"]):
            raise WorkshopError("This session is not signed in as that team: join again with your code.")
        return Team(*tuple(rows[0])[:5])

    def teams(self, workshop: int) -> list[Team]:
        rows = self._read("SELECT id, workshop, name, role, table_no FROM teams WHERE workshop = ? "
                          "ORDER BY id", (workshop,))
        return [Team(*tuple(r)) for r in rows]

    # ------------------------------------------------------------------------- rounds

    def open_round(self, workshop: int, minutes: float, draws: int) -> Round:
        """Open the next round with a countdown of ``minutes`` and a fresh seed fixed for all teams."""
        with self._write() as con:
            last = con.execute("SELECT number, status FROM rounds WHERE workshop = ? ORDER BY number DESC "
                               "LIMIT 1", (workshop,)).fetchone()
            if last is not None and last["status"] == "open":
                raise WorkshopError(f"Round {last['number']} is still open: lock it first.")
            now = time.time()
            new = Round((last["number"] if last else 0) + 1, "open", now, now + 60 * minutes,
                        secrets.randbelow(2**31), draws)
            con.execute("INSERT INTO rounds VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (workshop, new.number, new.status, new.opened, new.closes, new.seed, new.draws))
        return new

    def lock_round(self, workshop: int) -> Round:
        with self._write() as con:
            cur = con.execute("UPDATE rounds SET status = 'locked' WHERE workshop = ? AND status = 'open'",
                              (workshop,))
            if cur.rowcount == 0:
                raise WorkshopError("No round is open.")
        return self.rounds(workshop)[-1]

    def rounds(self, workshop: int) -> list[Round]:
        rows = self._read("SELECT number, status, opened, closes, seed, draws FROM rounds WHERE workshop = ? "
                          "ORDER BY number", (workshop,))
        return [Round(*tuple(r)) for r in rows]

    # ------------------------------------------------------------------------- shocks

    def add_shock(self, workshop: int, key: str) -> int:
        """Record a shock for every round after the last one opened; refused while a round is open."""
        with self._write() as con:
            last = con.execute("SELECT number, status FROM rounds WHERE workshop = ? ORDER BY number DESC "
                               "LIMIT 1", (workshop,)).fetchone()
            if last is not None and last["status"] == "open":
                raise WorkshopError("Inject shocks between rounds: lock the open round first.")
            from_round = (last["number"] if last else 0) + 1
            con.execute("INSERT INTO shocks VALUES (?, ?, ?, ?)", (workshop, key, from_round, time.time()))
        return from_round

    def shocks(self, workshop: int) -> list[tuple[str, int]]:
        rows = self._read("SELECT key, from_round FROM shocks WHERE workshop = ? ORDER BY rowid", (workshop,))
        return [(r["key"], r["from_round"]) for r in rows]

    # ------------------------------------------------------------------------- submissions

    def submit(self, team: Team, token: str, position: dict[str, Any], prediction: str) -> Submission:
        """Record a team's position for the open round (the latest one counts); refused after the lock
        or the countdown. ``position`` must already be validated against the card."""
        self.team(team.id, token)
        text = json.dumps(position, sort_keys=True)
        if len(text) > MAX_POSITION_BYTES:
            raise WorkshopError("That position is too large to record.")
        with self._write() as con:
            row = con.execute("SELECT number, status, closes FROM rounds WHERE workshop = ? "
                              "ORDER BY number DESC LIMIT 1", (team.workshop,)).fetchone()
            now = time.time()
            if row is None or row["status"] != "open" or now > row["closes"]:
                raise WorkshopError("No round is open for submissions now: wait for the facilitator.")
            cur = con.execute("INSERT INTO submissions (team, round, position, prediction, submitted) "
                              "VALUES (?, ?, ?, ?, ?)", (team.id, row["number"], text, prediction, now))
        return Submission(cur.lastrowid, team.id, row["number"], position, prediction, now)

    def latest_submissions(self, workshop: int, round_number: int) -> dict[int, Submission]:
        """Each team's last submission in a round, by team id."""
        rows = self._read(
            "SELECT s.* FROM submissions s JOIN teams t ON t.id = s.team "
            "WHERE t.workshop = ? AND s.round = ? "
            "AND s.id = (SELECT MAX(id) FROM submissions WHERE team = s.team AND round = s.round)",
            (workshop, round_number))
        return {r["team"]: _submission(r) for r in rows}

    def all_submissions(self, workshop: int) -> list[Submission]:
        rows = self._read("SELECT s.* FROM submissions s JOIN teams t ON t.id = s.team WHERE t.workshop = ? "
                          "ORDER BY s.id", (workshop,))
        return [_submission(r) for r in rows]

    def own_submission(self, team: Team, token: str, round_number: int) -> Submission | None:
        self.team(team.id, token)
        rows = self._read("SELECT * FROM submissions WHERE team = ? AND round = ? ORDER BY id DESC LIMIT 1",
                          (team.id, round_number))
        return _submission(rows[0]) if rows else None

    # ------------------------------------------------------------------------- results

    def save_results(self, round_number: int, results: dict[int, dict[str, Any]]) -> None:
        with self._write() as con:
            con.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                            [(team, round_number, json.dumps(r)) for team, r in results.items()])

    def results(self, workshop: int) -> dict[tuple[int, int], dict[str, Any]]:
        """Every adjudicated result of a workshop, by (team id, round)."""
        rows = self._read("SELECT r.team, r.round, r.result FROM results r JOIN teams t ON t.id = r.team "
                          "WHERE t.workshop = ?", (workshop,))
        return {(r["team"], r["round"]): json.loads(r["result"]) for r in rows}

    def own_results(self, team: Team, token: str) -> dict[int, dict[str, Any]]:
        self.team(team.id, token)
        rows = self._read("SELECT round, result FROM results WHERE team = ? ORDER BY round", (team.id,))
        return {r["round"]: json.loads(r["result"]) for r in rows}


def normal_code(code: Any) -> str:
    return "".join(str(code).split()).upper()[:CODE_LENGTH * 2]


def _as_int(value: Any) -> int:
    """An id from a link or a session as a positive whole number SQLite can hold, else -1 (no row):
    ``int`` would take Arabic-Indic digits and pass a 20-digit id to SQLite, which overflows."""
    try:
        return read_whole(value, 0, MAX_WHOLE)
    except NumberError:
        return -1


def _submission(row: sqlite3.Row) -> Submission:
    return Submission(row["id"], row["team"], row["round"], json.loads(row["position"]), row["prediction"],
                      row["submitted"])
