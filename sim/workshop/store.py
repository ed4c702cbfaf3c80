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
import math
import os
import secrets
import sqlite3
import tempfile
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.spec.numbers import MAX_WHOLE, NumberError, read_number, read_whole

DB_ENV = "ALLIANCE_WORKSHOP_DB"
SECRETS_FILE = Path(".streamlit/secrets.toml")
SECRETS_KEY = "workshop_db"
#: Join-code letters: no 0/O or 1/I/L to misread on a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6
#: A team's re-entry code: 31^6 (about 9 x 10^8) values, from the join code's letters.
REENTRY_LENGTH = 6
MAX_TEAM_NAME = 40
MAX_TEAMS = 24
MAX_POSITION_BYTES = 2000
MAX_TABLES = 99
#: The longest round, in minutes, and the most draws a round may ask for (the card's own limit is lower).
MAX_ROUND_MINUTES = 24 * 60
MAX_ROUND_DRAWS = 10_000_000
MAX_NAME_CHARS = 64
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
    # 3: the model a workshop's rounds are adjudicated with (the prior ranges, or calibrated)
    "ALTER TABLE workshops ADD COLUMN model TEXT NOT NULL DEFAULT 'prior' "
    "CHECK (model IN ('prior', 'calibrated'));",
)
#: The models a workshop may be adjudicated with (:data:`sim.timeline.calibration.PRIOR` and
#: ``CALIBRATED``; the store sits below the model and only checks the names).
MODELS = ("prior", "calibrated")
SCHEMA_VERSION = len(MIGRATIONS)


class WorkshopError(ValueError):
    """A request the workshop refuses, with a message for the person who made it."""


#: What to do, by kind of fault (the pages show it under what happened).
_TODO = {
    "folder": "Create that folder, or point the ALLIANCE_WORKSHOP_DB environment variable at a file in a "
              "folder the app may write to, then restart the app.",
    "directory": "Point ALLIANCE_WORKSHOP_DB at a file inside that folder (for example workshop.sqlite3 "
                 "in it), then restart the app.",
    "corrupt": "Nothing more has been written to it. Move the file aside (keep it: it may be recoverable), "
               "or point ALLIANCE_WORKSHOP_DB at a new file, restart the app, then restore your workshop "
               "from the backup downloaded on the facilitator's board.",
    "read-only": "Everything recorded can still be read here, but nothing new can be saved. Make the file "
                 "and its folder writable, or copy the file to a writable folder and point "
                 "ALLIANCE_WORKSHOP_DB at the copy, then restart the app.",
    "disk": "Free space on that disk (or point ALLIANCE_WORKSHOP_DB at a disk with room and restart the "
            "app), then try again: what was recorded before is kept.",
    "busy": "Another program holds the database: wait a moment and try again.",
    "other": "Try again; if it persists, restart the app, or restore the workshop from a backup downloaded "
             "on the facilitator's board into a new file named by ALLIANCE_WORKSHOP_DB.",
}


class StoreFault(Exception):
    """The database file cannot be used as asked (damaged, read-only, a full disk...): ``what``
    happened and ``todo``, for the facilitator; ``kind`` names the fault (a key of :data:`_TODO`)."""

    def __init__(self, kind: str, what: str):
        self.kind, self.what, self.todo = kind, what, _TODO[kind]
        super().__init__(f"{what} {self.todo}")


def _fault(exc: BaseException, path: Path, writing: bool) -> StoreFault:
    """The :class:`StoreFault` an error of SQLite (or of the file system) on ``path`` stands for."""
    name = getattr(exc, "sqlite_errorname", "")
    said = " ".join(str(exc).split())[:200]
    where = str(path)
    if name == "SQLITE_NOTADB":
        return StoreFault("corrupt", f"The workshop database {where} is not a SQLite database ({said}): "
                                     "the file is damaged or is another kind of file.")
    if name.startswith("SQLITE_CORRUPT"):
        return StoreFault("corrupt", f"The workshop database {where} is damaged ({said}).")
    if name.startswith(("SQLITE_FULL", "SQLITE_IOERR")):
        return StoreFault("disk", f"The disk holding the workshop database {where} is full or failing "
                                  f"({said}); the last change was not recorded.")
    if name.startswith("SQLITE_READONLY") or (writing and name.startswith("SQLITE_CANTOPEN")):
        return StoreFault("read-only", f"The workshop database {where} can be read but not written: the file "
                                       "or its folder is read-only.")
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return StoreFault("busy", f"The workshop database {where} is locked by another program ({said}).")
    return StoreFault("other", f"The workshop database {where} could not be used ({said}).")


@dataclass(frozen=True)
class Workshop:
    id: int
    code: str
    card: str
    model: str = "prior"


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
    """All reads and writes of one database file; each call opens, commits and closes its connection.

    Every fault of the file or its disk is raised as a :class:`StoreFault` (what happened, what to do),
    never as SQLite's own error. A file that can be read but not written (a read-only folder: WAL
    mode cannot create its ``-shm`` file there) is opened immutable, and :attr:`read_only` is set:
    everything can be read, and every write is refused with the fault. The file's integrity is
    checked (``PRAGMA quick_check``) the first time a process opens it.
    """

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path is not None else default_path()
        #: True when the file can be read but not written (see above).
        self.read_only = False
        if self.path.is_dir():
            raise StoreFault("directory", f"The workshop database {self.path} is a folder, not a file.")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreFault("folder", f"The folder {self.path.parent} for the workshop database does not "
                                       f"exist and cannot be created ({exc.strerror or exc}).") from None
        version = self._opening_version()
        _check_integrity(self)
        if version != SCHEMA_VERSION:  # a page run on an up-to-date file takes no lock
            if self.read_only:
                raise StoreFault("read-only", f"The workshop database {self.path} needs an update its "
                                              "read-only folder does not allow.")
            with self._faults(writing=True):
                con = self._connect()
                try:
                    con.execute("PRAGMA journal_mode=WAL")  # stays set in the file for every later connection
                finally:
                    con.close()
            self.migrate()

    def _opening_version(self) -> int:
        """The file's schema version, read as a writer could; if the file exists but cannot be opened
        so (a read-only folder), read immutable and mark the store read-only."""
        try:
            return self.schema_version()
        except StoreFault as fault:
            if fault.kind not in ("read-only", "other"):
                raise
            if not self.path.is_file():
                if fault.kind == "other" and _can_write_in(self.path.parent):
                    raise
                raise StoreFault("read-only", f"The workshop database {self.path} cannot be created: its "
                                              "folder is read-only.") from None
        self.read_only = True
        return self.schema_version()

    # ------------------------------------------------------------------------- connections

    @contextmanager
    def _faults(self, writing: bool) -> Iterator[None]:
        """SQLite's and the file system's errors as :class:`StoreFault`; a refusal passes through."""
        try:
            yield
        except sqlite3.IntegrityError as exc:   # a constraint: the request's fault, not the file's
            raise WorkshopError(f"That change was refused: it conflicts with what is recorded "
                                f"({' '.join(str(exc).split())[:120]}).") from None
        except (sqlite3.Error, OSError) as exc:
            raise _fault(exc, self.path, writing) from None

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            con = sqlite3.connect(uri, uri=True, timeout=BUSY_MS / 1000, isolation_level=None)
        else:
            con = sqlite3.connect(self.path, timeout=BUSY_MS / 1000, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute("PRAGMA foreign_keys=ON")
        return con

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short transaction that takes the write lock at once (no upgrade deadlocks)."""
        if self.read_only:
            raise StoreFault("read-only", f"The workshop database {self.path} can be read but not written: "
                                          "the file or its folder is read-only; this change was not saved.")
        with self._faults(writing=True):
            con = self._connect()
            try:
                con.execute("BEGIN IMMEDIATE")
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    with suppress(sqlite3.Error):   # a damaged file may refuse even this
                        con.execute("ROLLBACK")
                raise
            finally:
                con.close()

    def _read(self, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
        with self._faults(writing=False):
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

    def create_workshop(self, card: str, model: str = "prior") -> tuple[Workshop, str]:
        """A new workshop and its facilitator key (shown once; only its digest is kept). The key is
        ``<link>.<re-entry code>``, as a team's token: the board's address carries the join code and the
        link, and after a reload only the short re-entry code is typed (:meth:`resume_board`).
        ``model`` (one of :data:`MODELS`) is what its rounds are adjudicated with."""
        if model not in MODELS:
            raise WorkshopError(f"The model must be one of {', '.join(MODELS)}.")
        reentry = "".join(secrets.choice(CODE_ALPHABET) for _ in range(REENTRY_LENGTH))
        key = f"{secrets.token_urlsafe(12)}.{reentry}"
        with self._write() as con:
            while True:
                code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
                if not con.execute("SELECT 1 FROM workshops WHERE code = ?", (code,)).fetchone():
                    break
            cur = con.execute("INSERT INTO workshops (code, card, key_digest, created, model) "
                              "VALUES (?, ?, ?, ?, ?)", (code, card, _digest(key), time.time(), model))
        return Workshop(cur.lastrowid, code, card, model), key

    def workshop(self, code: str) -> Workshop:
        rows = self._read("SELECT id, code, card, model FROM workshops WHERE code = ?", (normal_code(code),))
        if not rows:
            raise WorkshopError("No workshop has that join code: check it with your facilitator.")
        return Workshop(*rows[0])

    def card_of(self, workshop: int) -> str:
        return self._column_of(workshop, "card")

    def model_of(self, workshop: int) -> str:
        """The model the workshop's rounds are adjudicated with (one of :data:`MODELS`)."""
        return self._column_of(workshop, "model")

    def _column_of(self, workshop: int, column: str) -> str:
        rows = self._read(f"SELECT {column} FROM workshops WHERE id = ?",   # noqa: S608 - fixed names
                          (_workshop_id(workshop),))
        if not rows:
            raise WorkshopError(_NO_WORKSHOP)
        return rows[0][column]

    def facilitate(self, code: str, key: str) -> Workshop:
        """The workshop whose facilitator key is ``key``; one message for a wrong code or key."""
        rows = self._read("SELECT id, code, card, model, key_digest FROM workshops WHERE code = ?",
                          (normal_code(code),))
        if not rows or not _same(key, rows[0]["key_digest"]):
            raise WorkshopError("That join code and facilitator key do not match a workshop.")
        return Workshop(*tuple(rows[0])[:4])

    # ------------------------------------------------------------------------- teams

    def join(self, code: str, name: str, role: str | None = None, table: int = 1) -> tuple[Team, str]:
        """Add a team; returns it and its secret token (the session's proof of being that team).

        The token is ``<link>.<re-entry code>``: the team's page address carries only the link part
        (:func:`link_of`), which opens nothing alone; the short re-entry code (:func:`reentry_of`),
        shown to the team and never put in an address, completes it after a reload."""
        if not isinstance(name, str):
            raise WorkshopError("A team name is text.")
        if role is not None and (not isinstance(role, str) or not 1 <= len(role) <= MAX_NAME_CHARS):
            raise WorkshopError("A role is the name of one of the card's roles.")
        table = _whole_arg(table, "The table", 1, MAX_TABLES)
        name = " ".join(name.split())
        if not 1 <= len(name) <= MAX_TEAM_NAME:
            raise WorkshopError(f"A team name needs 1 to {MAX_TEAM_NAME} characters.")
        workshop = self.workshop(code)
        reentry = "".join(secrets.choice(CODE_ALPHABET) for _ in range(REENTRY_LENGTH))
        token = f"{secrets.token_urlsafe(12)}.{reentry}"
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

    def resume(self, team_id: Any, link: Any, reentry: Any) -> tuple[Team, str]:
        """The team whose page address carries ``team_id`` and ``link``, signed in again with its typed
        re-entry code, and its token. Wrong codes are counted per team: after
        :data:`MAX_REENTRY_FAILURES` within :data:`REENTRY_WINDOW_SECONDS`, even the right one is refused
        until the window has passed (guessing a 6-letter code through the page is then hopeless)."""
        return self._limited(("team", str(self.path), _as_int(team_id)),
                             lambda token: (self.team(team_id, token), token), link, reentry)

    def resume_board(self, code: Any, link: Any, reentry: Any) -> tuple[Workshop, str]:
        """The workshop whose board address carries ``code`` and ``link``, opened again with the board's
        typed re-entry code, and the facilitator key; wrong codes are limited as a team's are."""
        return self._limited(("board", str(self.path), normal_code(code)),
                             lambda key: (self.facilitate(code, key), key), link, reentry)

    def _limited(self, key: tuple, attempt: Any, link: Any, reentry: Any) -> Any:
        """``attempt(token)`` with the token a link and a typed re-entry code make; after
        :data:`MAX_REENTRY_FAILURES` wrong codes for ``key`` within :data:`REENTRY_WINDOW_SECONDS`, every
        code is refused until the window has passed."""
        now = time.monotonic()
        with _FAILURES_LOCK:
            recent = [t for t in _FAILURES.get(key, []) if now - t < REENTRY_WINDOW_SECONDS]
            _FAILURES[key] = recent
            if len(recent) >= MAX_REENTRY_FAILURES:
                other = "ask your facilitator" if key[0] == "team" else "type the full facilitator key"
                raise WorkshopError(f"Too many wrong re-entry codes for this {key[0]}: wait "
                                    f"{REENTRY_WINDOW_SECONDS // 60} minutes, or {other}.")
        try:
            return attempt(token_from(link, reentry))
        except WorkshopError:
            with _FAILURES_LOCK:
                _FAILURES.setdefault(key, []).append(now)
            raise

    def teams(self, workshop: int) -> list[Team]:
        rows = self._read("SELECT id, workshop, name, role, table_no FROM teams WHERE workshop = ? "
                          "ORDER BY id", (_workshop_id(workshop),))
        return [Team(*tuple(r)) for r in rows]

    # ------------------------------------------------------------------------- rounds

    def open_round(self, workshop: int, minutes: float, draws: int) -> Round:
        """Open the next round with a countdown of ``minutes`` and a fresh seed fixed for all teams."""
        workshop = _workshop_id(workshop)
        minutes = _number_arg(minutes, "A round's minutes", 0, MAX_ROUND_MINUTES)
        draws = _whole_arg(draws, "A round's draws", 1, MAX_ROUND_DRAWS)
        with self._write() as con:
            _exists(con, workshop)
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
        workshop = _workshop_id(workshop)
        with self._write() as con:
            _exists(con, workshop)
            cur = con.execute("UPDATE rounds SET status = 'locked' WHERE workshop = ? AND status = 'open'",
                              (workshop,))
            if cur.rowcount == 0:
                raise WorkshopError("No round is open.")
        return self.rounds(workshop)[-1]

    def rounds(self, workshop: int) -> list[Round]:
        rows = self._read("SELECT number, status, opened, closes, seed, draws FROM rounds WHERE workshop = ? "
                          "ORDER BY number", (_workshop_id(workshop),))
        return [Round(*tuple(r)) for r in rows]

    # ------------------------------------------------------------------------- shocks

    def add_shock(self, workshop: int, key: str) -> int:
        """Record a shock for every round after the last one opened; refused while a round is open."""
        workshop = _workshop_id(workshop)
        if not isinstance(key, str) or not 1 <= len(key) <= MAX_NAME_CHARS:
            raise WorkshopError("A shock is named by its key.")
        with self._write() as con:
            _exists(con, workshop)
            last = con.execute("SELECT number, status FROM rounds WHERE workshop = ? ORDER BY number DESC "
                               "LIMIT 1", (workshop,)).fetchone()
            if last is not None and last["status"] == "open":
                raise WorkshopError("Inject shocks between rounds: lock the open round first.")
            from_round = (last["number"] if last else 0) + 1
            con.execute("INSERT INTO shocks VALUES (?, ?, ?, ?)", (workshop, key, from_round, time.time()))
        return from_round

    def shocks(self, workshop: int) -> list[tuple[str, int]]:
        rows = self._read("SELECT key, from_round FROM shocks WHERE workshop = ? ORDER BY rowid",
                          (_workshop_id(workshop),))
        return [(r["key"], r["from_round"]) for r in rows]

    # ------------------------------------------------------------------------- submissions

    def submit(self, team: Team, token: str, position: dict[str, Any], prediction: str) -> Submission:
        """Record a team's position for the open round (the latest one counts); refused after the lock
        or the countdown. ``position`` must already be validated against the card."""
        if not isinstance(team, Team) or not isinstance(position, dict) or not isinstance(prediction, str):
            raise WorkshopError("The position was not recorded: it is not a team's position.")
        team = self.team(team.id, token)   # the stored team, not the caller's copy of it
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
            (_workshop_id(workshop), _whole_arg(round_number, "A round", 0, MAX_WHOLE)))
        return {r["team"]: _submission(r) for r in rows}

    def all_submissions(self, workshop: int) -> list[Submission]:
        rows = self._read("SELECT s.* FROM submissions s JOIN teams t ON t.id = s.team WHERE t.workshop = ? "
                          "ORDER BY s.id", (_workshop_id(workshop),))
        return [_submission(r) for r in rows]

    def own_submission(self, team: Team, token: str, round_number: int) -> Submission | None:
        self.team(team.id, token)
        rows = self._read("SELECT * FROM submissions WHERE team = ? AND round = ? ORDER BY id DESC LIMIT 1",
                          (team.id, round_number))
        return _submission(rows[0]) if rows else None

    def last_own_submission(self, team: Team, token: str) -> Submission | None:
        """The team's latest submission in any round (what its form shows again after a reload)."""
        self.team(team.id, token)
        rows = self._read("SELECT * FROM submissions WHERE team = ? ORDER BY id DESC LIMIT 1", (team.id,))
        return _submission(rows[0]) if rows else None

    # ------------------------------------------------------------------------- results

    def save_results(self, round_number: int, results: dict[int, dict[str, Any]]) -> None:
        round_number = _whole_arg(round_number, "A round", 1, MAX_WHOLE)
        if not isinstance(results, dict) or not all(isinstance(r, dict) for r in results.values()):
            raise WorkshopError("Results are a mapping of team ids to results.")
        results = {_whole_arg(team, "A team id", 1, MAX_WHOLE): r for team, r in results.items()}
        with self._write() as con:
            con.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?)",
                            [(team, round_number, json.dumps(r)) for team, r in results.items()])

    def results(self, workshop: int) -> dict[tuple[int, int], dict[str, Any]]:
        """Every adjudicated result of a workshop, by (team id, round)."""
        rows = self._read("SELECT r.team, r.round, r.result FROM results r JOIN teams t ON t.id = r.team "
                          "WHERE t.workshop = ?", (_workshop_id(workshop),))
        return {(r["team"], r["round"]): json.loads(r["result"]) for r in rows}

    def own_results(self, team: Team, token: str) -> dict[int, dict[str, Any]]:
        self.team(team.id, token)
        rows = self._read("SELECT round, result FROM results WHERE team = ? ORDER BY round", (team.id,))
        return {r["round"]: json.loads(r["result"]) for r in rows}

    # ------------------------------------------------------------------------- backup and restore

    def backup(self, workshop: Workshop) -> bytes:
        """A SQLite file holding ``workshop`` alone: a consistent copy taken with SQLite's online backup
        API while teams keep submitting, then stripped of every other workshop (and vacuumed, so that
        their rows are gone from the bytes too). It works on a read-only store as well."""
        workshop = self._own(workshop)
        copy = sqlite3.connect(":memory:", isolation_level=None)
        try:
            with self._faults(writing=False):
                source = self._connect()
                try:
                    source.backup(copy)
                finally:
                    source.close()
            _keep_only(copy, workshop.id)
            copy.execute("VACUUM")
            return copy.serialize()
        finally:
            copy.close()

    def restore(self, data: bytes, code: str, key: str) -> Workshop:
        """Put back the workshop of a :meth:`backup` whose join code and facilitator key are ``code`` and
        ``key``: it replaces the same workshop here, or goes into a database that holds no rows under
        its ids (a new file after a damaged one). Teams keep their links; refused whole otherwise."""
        if not isinstance(data, bytes | bytearray) or len(data) > MAX_BACKUP_BYTES:
            raise WorkshopError(f"A backup is a file of at most {MAX_BACKUP_BYTES // 2**20} MB.")
        copy = sqlite3.connect(":memory:", isolation_level=None)
        try:
            rows = _backup_rows(copy, bytes(data))
            (saved,) = rows["workshops"]
            if saved["code"] != normal_code(code) or not _same(str(key), saved["key_digest"]):
                raise WorkshopError("That join code and facilitator key do not match the backup's workshop.")
        finally:
            copy.close()
        with self._write() as con:
            here = con.execute("SELECT id, key_digest FROM workshops WHERE code = ?",
                               (saved["code"],)).fetchone()
            if here is not None:
                if here["id"] != saved["id"] or here["key_digest"] != saved["key_digest"]:
                    raise WorkshopError("Another workshop with that join code is in this database: restore "
                                        "into a new file (point ALLIANCE_WORKSHOP_DB at it and restart the "
                                        "app).")
                _delete_workshop(con, saved["id"])
            for table in _TABLES:
                if table in _KEYED and rows[table]:
                    ids = [r["id"] for r in rows[table]]
                    clash = con.execute(f"SELECT COUNT(*) FROM {table} WHERE id IN "   # noqa: S608 - fixed names
                                        f"({','.join('?' * len(ids))})", ids).fetchone()[0]
                    if clash:
                        raise WorkshopError("This database already holds other workshops' rows under the "
                                            "backup's ids: restore into a new file (point "
                                            "ALLIANCE_WORKSHOP_DB at it and restart the app).")
                for row in rows[table]:
                    con.execute(f"INSERT INTO {table} VALUES ({','.join('?' * len(row))})", tuple(row))  # noqa: S608
        return Workshop(saved["id"], saved["code"], saved["card"], saved["model"])

    def _own(self, workshop: Any) -> Workshop:
        """``workshop`` checked against the file: a :class:`Workshop` that exists here, as stored."""
        if not isinstance(workshop, Workshop):
            raise WorkshopError("Not a workshop.")
        rows = self._read("SELECT id, code, card, model FROM workshops WHERE id = ? AND code = ?",
                          (_as_int(workshop.id), str(workshop.code)))
        if not rows:
            raise WorkshopError("That workshop is not in this database.")
        return Workshop(*rows[0])


def _can_write_in(folder: Path) -> bool:
    try:
        with tempfile.TemporaryFile(dir=folder):
            return True
    except OSError:
        return False


#: Wrong re-entry codes a team's page may be sent within the window before it refuses all.
MAX_REENTRY_FAILURES = 10
REENTRY_WINDOW_SECONDS = 600
_FAILURES: dict[tuple[str, int], list[float]] = {}
_FAILURES_LOCK = threading.Lock()


#: Paths (with their inode) whose integrity this process has checked and found sound.
_INTACT: set[tuple[str, int, int]] = set()
_INTACT_LOCK = threading.Lock()


def _check_integrity(store: Store) -> None:
    """``PRAGMA quick_check`` of the store's file, once per process and file: a damaged file is found
    when the app starts, not at a team's submission."""
    try:
        stat = store.path.stat()
    except OSError:
        return
    key = (str(store.path.resolve()), stat.st_ino, stat.st_dev)
    with _INTACT_LOCK:
        if key in _INTACT:
            return
    try:
        found = [row[0] for row in store._read("PRAGMA quick_check")]
    except StoreFault as fault:   # pages so damaged that the check itself stops
        if fault.kind != "corrupt":
            raise
        found = [fault.what.rsplit("(", 1)[-1].rstrip(").")]
    if found != ["ok"]:
        shown_found = "; ".join(found[:3])[:300]
        raise StoreFault("corrupt", f"The workshop database {store.path} failed its integrity check "
                                    f"({shown_found}).")
    with _INTACT_LOCK:
        _INTACT.add(key)


#: The largest backup a restore reads (the app's upload limit is 1 MB; a workshop's is tens of kB).
MAX_BACKUP_BYTES = 8 * 2**20
#: The tables, parents first; those keyed by an ``id`` of their own.
_TABLES = ("workshops", "teams", "rounds", "shocks", "submissions", "results")
_KEYED = ("workshops", "teams", "submissions")


def _keep_only(con: sqlite3.Connection, workshop: int) -> None:
    teams = "(SELECT id FROM teams WHERE workshop = ?)"
    con.execute("BEGIN")
    con.execute(f"DELETE FROM results WHERE team NOT IN {teams}", (workshop,))   # noqa: S608
    con.execute(f"DELETE FROM submissions WHERE team NOT IN {teams}", (workshop,))   # noqa: S608
    for table in ("shocks", "rounds", "teams"):
        con.execute(f"DELETE FROM {table} WHERE workshop != ?", (workshop,))   # noqa: S608
    con.execute("DELETE FROM workshops WHERE id != ?", (workshop,))
    con.execute("COMMIT")


def _delete_workshop(con: sqlite3.Connection, workshop: int) -> None:
    teams = "(SELECT id FROM teams WHERE workshop = ?)"
    con.execute(f"DELETE FROM results WHERE team IN {teams}", (workshop,))   # noqa: S608
    con.execute(f"DELETE FROM submissions WHERE team IN {teams}", (workshop,))   # noqa: S608
    for table in ("shocks", "rounds", "teams"):
        con.execute(f"DELETE FROM {table} WHERE workshop = ?", (workshop,))   # noqa: S608
    con.execute("DELETE FROM workshops WHERE id = ?", (workshop,))


def _backup_rows(copy: sqlite3.Connection, data: bytes) -> dict[str, list[sqlite3.Row]]:
    """The rows of a backup file, each table's, after checking that it is one: a sound SQLite file of a
    schema this version reads (migrated in memory if older), holding exactly one workshop."""
    not_backup = "That file is not a workshop backup"
    try:
        copy.deserialize(data)
        copy.row_factory = sqlite3.Row
        if [r[0] for r in copy.execute("PRAGMA quick_check")] != ["ok"]:
            raise WorkshopError(f"{not_backup}: it is damaged.")
        version = copy.execute("PRAGMA user_version").fetchone()[0]
        if not 1 <= version <= SCHEMA_VERSION:
            raise WorkshopError(f"{not_backup} this version can read (schema {version}).")
        for number in range(version, SCHEMA_VERSION):
            for statement in filter(str.strip, MIGRATIONS[number].split(";")):
                copy.execute(statement)
        rows = {t: copy.execute(f"SELECT * FROM {t}").fetchall() for t in _TABLES}   # noqa: S608
    except sqlite3.Error as exc:
        raise WorkshopError(f"{not_backup} ({' '.join(str(exc).split())[:120]}).") from None
    if len(rows["workshops"]) != 1:
        raise WorkshopError(f"{not_backup} of one workshop.")
    return rows


def link_of(token: str) -> str:
    """The part of a team's token its page address carries: it opens nothing without the re-entry code."""
    return token.partition(".")[0]


def reentry_of(token: str) -> str:
    """The team's short re-entry code: typed once after a reload, never in an address."""
    return token.partition(".")[2]


def token_from(link: Any, reentry: Any) -> str:
    """The token a link and a typed re-entry code make (spaces and case in the code forgiven)."""
    return f"{str(link)[:40]}.{normal_code(reentry)[:REENTRY_LENGTH]}"


def normal_code(code: Any) -> str:
    return "".join(str(code).split()).upper()[:CODE_LENGTH * 2]


_NO_WORKSHOP = "That workshop is not in this database."


def _whole_arg(value: Any, what: str, low: int, high: int) -> int:
    """``value`` as a whole number from ``low`` to ``high`` (an ``int``, never a ``bool``), else a refusal."""
    try:
        return read_whole(value, low, high) if isinstance(value, int) else _refuse_text(value)
    except NumberError:
        raise WorkshopError(f"{what} must be a whole number from {low:,} to {high:,}.") from None


def _number_arg(value: Any, what: str, low: float, high: float) -> float:
    """``value`` as a number above ``low``, at most ``high`` (an ``int`` or ``float``, never a ``bool``)."""
    try:
        number = read_number(value) if isinstance(value, int | float) else _refuse_text(value)
    except NumberError:
        number = math.nan
    if not low < number <= high:
        raise WorkshopError(f"{what} must be a number above {low:g} and at most {high:g}.")
    return number


def _refuse_text(value: Any) -> Any:
    """The API takes numbers as numbers: text (even "3") is the caller's bug, refused."""
    raise NumberError(f"not a number: {value!r}"[:100])


def _workshop_id(value: Any) -> int:
    """A workshop id as the store's API takes it: a positive ``int`` (not a ``bool``, not text)."""
    return _whole_arg(value, "A workshop id", 1, MAX_WHOLE)


def _exists(con: sqlite3.Connection, workshop: int) -> None:
    """Refuse a write for a workshop id that is not in the file (checked in the write's transaction)."""
    if con.execute("SELECT 1 FROM workshops WHERE id = ?", (workshop,)).fetchone() is None:
        raise WorkshopError(_NO_WORKSHOP)


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
