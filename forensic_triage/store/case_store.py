"""The case store: one SQLite file per case, written by one process at a time.

Sealed tables are append-only (triggers refuse UPDATE and DELETE). Every row carries a
row_digest over its canonical form, and every custody entry seals the rows written since the
previous seal with a chained digest, so `verify` can tell when rows were altered, removed or
slipped in even after someone dropped the triggers.
"""

from __future__ import annotations

import getpass
import json
import os
import platform
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import blake3

from forensic_triage import __version__
from forensic_triage.canonical import digest, dumps
from forensic_triage.errors import EXIT_VERIFY_FAILED, CaseError
from forensic_triage.store import crypto, schema

STORE_NAME = "case.sqlite"
GENESIS = "0" * 64


def _database_errors() -> tuple[type[BaseException], ...]:
    try:
        from sqlcipher3 import dbapi2
    except ImportError:   # plain cases work without the SQLCipher wheel
        return (sqlite3.DatabaseError,)
    return (sqlite3.DatabaseError, dbapi2.DatabaseError)


# What a store connection raises for a damaged or unreadable file, plain or encrypted.
DATABASE_ERRORS = _database_errors()


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def digest_values(table: str, values: Sequence[Any]) -> str:
    """BLAKE3 over the canonical JSON of [table, value, value, ...], the values in schema order
    without id and row_digest, blobs as hex. The id is left out so a worker can digest a row
    before the writer numbers it; the seals, chained over the digests in id order, bind each
    digest to its id."""
    return digest([table, *[v.hex() if type(v) is bytes else bytes(v).hex()
                            if isinstance(v, (bytearray, memoryview)) else v for v in values]])


def row_digest(table: str, row: Mapping[str, Any]) -> str:
    return digest_values(table, [row.get(column) for column in schema.COLUMNS[table]
                                 if column not in ("id", "row_digest")])


def custody_hash(entry: dict[str, Any]) -> str:
    return digest({key: entry[key] for key in
                   ("seq", "utc", "examiner", "action", "details", "tool_version", "plugin_versions", "prev_hash")})


def chain_seal(previous: str, digests: Iterable[str]) -> str:
    """The seal after appending rows: BLAKE3 over the previous seal and the row digests in id
    order, all as their lower-case hex text (fed in slices, so memory stays flat)."""
    hasher = blake3.blake3(previous.encode("ascii"))
    batch: list[str] = []
    for value in digests:
        batch.append(value)
        if len(batch) >= 4096:
            hasher.update("".join(batch).encode("ascii"))
            batch.clear()
    hasher.update("".join(batch).encode("ascii"))
    return hasher.hexdigest()


class CaseStore:
    def __init__(self, case_dir: Path, conn: sqlite3.Connection, lock: _WriteLock | None = None,
                 encryption: crypto.CaseEncryption | None = None) -> None:
        self.case_dir = case_dir
        self.conn = conn
        # The clear header of an encrypted case (SQLCipher connection), None for a plain one.
        self.encryption = encryption
        self._key: bytes | None = None      # an encrypted case's key, in this process's memory only
        self._db = None
        self._next_ids: dict[str, int] = {}
        self._lock = lock

    @property
    def db(self):
        """The store as a sqlite_utils.Database. Imported on first use: sqlite_utils imports pandas
        and numpy wherever they are installed, which would cost every ingest worker ~50 MB and a
        third of a second at start."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    # --- opening and creating -------------------------------------------------------------------

    @staticmethod
    def store_path(case_dir: Path) -> Path:
        return Path(case_dir) / STORE_NAME

    @property
    def encrypted(self) -> bool:
        return self.encryption is not None

    @classmethod
    def _connect(cls, path: Path, key: bytes | None = None) -> sqlite3.Connection:
        if key is None:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
        else:
            # The sqlite3 API (same Row, transactions, FTS5, JSON), SQLCipher underneath; the key
            # goes in before the first page is read.
            conn = crypto.connect_encrypted(path, key, isolation_level=None, check_same_thread=False)
            conn.row_factory = crypto.sqlcipher().Row
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: every commit (custody entries included) is on disk before the command goes on,
        # so a power cut loses at most the transaction in flight.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    @classmethod
    def create(cls, case_dir: Path, *, case_number: str, examiner: str, agency: str | None = None,
               title: str | None = None, region: str | None = None, display_tz: str | None = None,
               encrypt: bool = False, passphrase: str | None = None,
               kdf_cost: tuple[int, int, int] | None = None) -> CaseStore:
        """Create a case; ``encrypt`` keeps its store encrypted under ``passphrase`` (or the one
        from --passphrase-file, the environment or a prompt). ``kdf_cost`` = scrypt (N, r, p)."""
        case_dir = Path(case_dir)
        path = cls.store_path(case_dir)
        if path.exists():
            raise CaseError(f"a case already exists in {case_dir}: refusing to overwrite it")
        if case_dir.exists() and not case_dir.is_dir():
            raise CaseError(f"{case_dir} exists and is not a folder")
        if case_dir.exists() and any(case_dir.iterdir()):
            raise CaseError(f"{case_dir} is not empty: choose a new folder for the case")
        # Private to the examiner: the store will hold victims' names and messages.
        case_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        case_dir.chmod(0o700)
        if encrypt:
            passphrase = passphrase if passphrase is not None else crypto.resolve_passphrase(confirm=True)
            crypto.check_new_passphrase(passphrase)
        lock = _WriteLock.take(case_dir, "case create")
        key, encryption = None, None
        if encrypt:
            key = crypto.write_header(case_dir, passphrase, **dict(zip("nrp", kdf_cost or ())))
            encryption = crypto.read_header(case_dir)
        # The store and its -wal/-shm (SQLite gives those the store's mode) readable by the examiner only.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)
        conn = cls._connect(path, key)
        store = cls(case_dir, conn, lock, encryption)
        store._key = key
        schema.migrate(conn)
        info = {"case_uuid": str(uuid.uuid4()), "case_number": case_number, "examiner": examiner,
                "agency": agency, "title": title, "region": region, "display_tz": display_tz,
                "created_utc": utc_now()}
        details: dict[str, Any] = {"case": info, "schema_version": schema.SCHEMA_VERSION}
        if encryption:
            details["encrypted"] = encryption.describe()
        with store.transaction():
            store.insert("case_info", [info])
            store.append_custody("case.create", details)
        return store

    @classmethod
    def open(cls, case_dir: Path, *, write: str | None = None, passphrase: str | None = None) -> CaseStore:
        """Open a case. ``write`` names the command when it will change the case: it takes the
        case's write lock, so a second writing process gets a clear error, never a mixed store.
        Readers need no lock (SQLite's WAL gives them a consistent view). An encrypted case takes
        ``passphrase``, else the one from --passphrase-file, the environment or a prompt."""
        case_dir = Path(case_dir)
        path = cls.store_path(case_dir)
        if not path.exists():
            raise CaseError(f"no case in {case_dir} (expected {STORE_NAME}); create one with `case create`")
        encryption = crypto.read_header(case_dir)
        key = crypto.case_key(encryption, passphrase) if encryption else None
        lock = _WriteLock.take(case_dir, write) if write else None
        try:
            conn = cls._connect(path, key)
            conn.execute("SELECT 1 FROM sqlite_master").fetchall()
            version = schema.schema_version(conn)
        except DATABASE_ERRORS as exc:
            if lock:
                lock.release()
            if encryption:
                # The passphrase checked against the header, so the key is right: the file is not.
                raise DamagedStoreError(f"the case store {path} cannot be decrypted although the passphrase is "
                                        f"right: the file is damaged ({exc}); restore the case folder from a "
                                        f"backup") from None
            raise DamagedStoreError(f"the case store {path} is damaged or was replaced (SQLite: {exc}): it cannot "
                                    f"be read; restore the case folder from a backup") from None
        store = cls(case_dir, conn, lock, encryption)
        store._key = key
        if version == 0:
            store.close()
            raise CaseError(f"{path} is not a forensic-triage case store")
        if version < schema.SCHEMA_VERSION and lock is None:
            store.close()
            raise CaseError(f"this case needs its store upgraded (schema {version} to {schema.SCHEMA_VERSION}): "
                            f"run a command that changes it first, e.g. `forensic-triage verify {case_dir}`")
        applied = schema.migrate(conn)
        if applied:
            with store.transaction():
                store.append_custody("case.migrate", {"schema_versions_applied": applied})
        return store

    # --- working files inside the case folder ---------------------------------------------------

    def scratch_folder(self, purpose: str) -> Path:
        """A new private folder (0700) under CASE_DIR/scratch for one piece of work; the caller
        removes it when done. In an encrypted case, write nothing plaintext there: keep the data
        in memory, or in ``scratch_database``."""
        import tempfile

        root = self.case_dir / "scratch"
        root.mkdir(mode=0o700, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f"{purpose}-", dir=root))

    def scratch_database(self, folder: Path, name: str = "work.sqlite") -> sqlite3.Connection:
        """A working SQLite database in ``folder`` (from ``scratch_folder``). In an encrypted case
        it is a SQLCipher database under a random key that lives only in this process, so the file
        is unreadable to anyone, this tool included, once the connection is gone."""
        path = Path(folder) / name
        if not self.encrypted:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.row_factory = sqlite3.Row
            return conn
        import secrets

        conn = crypto.connect_encrypted(path, secrets.token_bytes(32), isolation_level=None)
        conn.row_factory = crypto.sqlcipher().Row
        return conn

    def working_file_key(self, label: str) -> bytes | None:
        """For an encrypted case, the key of one working file in the case folder (pass it to
        ``crypto.EncryptedWriter``/``EncryptedReader``, or to a worker through its pipe, never on
        a command line or in a log); None for a plain case, whose working files stay plain."""
        return crypto.working_file_key(self._key, label) if self._key is not None else None

    def close(self) -> None:
        self.conn.close()
        if self._lock:
            self._lock.release()
            self._lock = None

    # --- writing --------------------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._lock is None:
            raise CaseError("this case was opened for reading only")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.conn.execute("COMMIT")
        except BaseException as exc:
            # SQLite has already rolled back after some errors (e.g. a full disk); a second
            # rollback would hide the error that matters.
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._next_ids.clear()
            if self.encrypted and not isinstance(exc, sqlite3.Error) and isinstance(exc, DATABASE_ERRORS):
                # SQLCipher's errors are not sqlite3's; callers (disk full, busy) test for sqlite3's.
                raise getattr(sqlite3, type(exc).__name__, sqlite3.DatabaseError)(*exc.args) from exc
            raise

    def _next_id(self, table: str) -> int:
        if table not in self._next_ids:
            self._next_ids[table] = self.conn.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}").fetchone()[0]
        return self._next_ids[table]

    def insert(self, table: str, rows: Iterable[dict[str, Any]]) -> list[int]:
        """Append rows with consecutive ids and their row digests; return the ids."""
        prepared, ids = [], []
        next_id = self._next_id(table)
        for row in rows:
            full = {"id": next_id, **row}
            if "row_digest" not in full:
                full["row_digest"] = row_digest(table, full)
            prepared.append(full)
            ids.append(next_id)
            next_id += 1
        if prepared:
            columns = list(prepared[0])
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            self.conn.executemany(sql, [tuple(row[column] for column in columns) for row in prepared])
            self._next_ids[table] = next_id
        return ids

    def insert_digested(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> int:
        """Append rows that already carry their row_digest (as the last of ``columns``), e.g.
        made in a worker process; returns the id of the first. The fast path for file rows."""
        first = self._next_id(table)
        names = ("id",) + columns
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                              [(first + offset,) + row for offset, row in enumerate(rows)])
        self._next_ids[table] = first + len(rows)
        return first

    def drop_file_indexes(self) -> None:
        for statement in schema.FILE_LOOKUP_INDEXES:
            name = statement.split(" IF NOT EXISTS ")[1].split(" ON ")[0]
            self.conn.execute(f"DROP INDEX IF EXISTS {name}")

    def ensure_file_indexes(self) -> None:
        for statement in schema.FILE_LOOKUP_INDEXES:
            self.conn.execute(statement)

    # --- custody --------------------------------------------------------------------------------

    def last_custody(self) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM custody ORDER BY seq DESC LIMIT 1").fetchone()

    def last_seals(self) -> dict[str, dict[str, Any]]:
        """The most recent seal of every sealed table (from the custody log)."""
        seals: dict[str, dict[str, Any]] = {}
        for (details,) in self.conn.execute("SELECT details FROM custody ORDER BY seq"):
            for table, seal in json.loads(details).get("seal", {}).items():
                seals[table] = seal
        return seals

    def _seal(self) -> dict[str, dict[str, Any]]:
        """Seals for the rows added to each table since its last seal (only tables that grew)."""
        seals = {}
        previous = self.last_seals()
        for table in schema.SEALED_TABLES:
            before = previous.get(table, {"last_id": 0, "count": 0, "digest": GENESIS})
            last_id = self.conn.execute(f"SELECT MAX(id) FROM {table}").fetchone()[0] or 0
            if last_id <= before["last_id"]:
                continue
            rows = self.conn.execute(f"SELECT row_digest FROM {table} WHERE id > ? AND id <= ? ORDER BY id",
                                     (before["last_id"], last_id))
            # Ids are consecutive (this class assigns them), so the count follows from them.
            seals[table] = {"last_id": last_id, "count": before["count"] + last_id - before["last_id"],
                            "digest": chain_seal(before["digest"], (value for (value,) in rows))}
        return seals

    def examiner(self) -> str:
        override = os.environ.get("FORENSIC_TRIAGE_EXAMINER")
        if override:
            return override
        row = self.conn.execute("SELECT examiner FROM case_info WHERE id = 1").fetchone()
        return row[0] if row else "unknown"

    def append_custody(self, action: str, details: dict[str, Any], *,
                       plugin_versions: dict[str, str] | None = None) -> dict[str, Any]:
        """Append a hash-chained custody entry sealing everything written so far.
        Call inside the transaction that wrote the rows, so both land or neither does."""
        last = self.last_custody()
        details = dict(details)
        details.setdefault("host", platform.node())
        details.setdefault("os_user", _os_user())
        seal = self._seal()
        if seal:
            details["seal"] = seal
        entry = {"seq": (last["seq"] + 1) if last else 1, "utc": utc_now(), "examiner": self.examiner(),
                 "action": action, "details": dumps(details), "tool_version": __version__,
                 "plugin_versions": dumps(plugin_versions or {}),
                 "prev_hash": last["entry_hash"] if last else GENESIS}
        entry["entry_hash"] = custody_hash(entry)
        columns = list(entry)
        self.conn.execute(f"INSERT INTO custody ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                          tuple(entry.values()))
        return entry

    # --- reading --------------------------------------------------------------------------------

    def case_info(self) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM case_info WHERE id = 1").fetchone()
        return dict(row) if row else {}

    def evidence(self, evidence_id: int | None = None) -> list[dict[str, Any]]:
        if evidence_id is None:
            rows = self.conn.execute("SELECT * FROM evidence ORDER BY id").fetchall()
        else:
            rows = self.conn.execute("SELECT * FROM evidence WHERE id = ?", (evidence_id,)).fetchall()
        return [dict(row) for row in rows]

    def find_evidence(self, key: str) -> dict[str, Any]:
        """Evidence by numeric id or exhibit id."""
        row = self.conn.execute("SELECT * FROM evidence WHERE exhibit_id = ?", (key,)).fetchone()
        if row is None and key.isdigit():
            row = self.conn.execute("SELECT * FROM evidence WHERE id = ?", (int(key),)).fetchone()
        if row is None:
            raise CaseError(f"no evidence '{key}' in this case")
        return dict(row)

    def volumes(self, evidence_id: int) -> list[dict[str, Any]]:
        return [dict(row) for row in
                self.conn.execute("SELECT * FROM volumes WHERE evidence_id = ? ORDER BY idx", (evidence_id,))]

    def count(self, table: str, where: str = "", params: tuple = ()) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {table} {where}", params).fetchone()[0]

    def add_warning(self, *, code: str, message: str, evidence_id: int | None = None, file_id: int | None = None,
                    volume_idx: int | None = None, path: str | None = None, plugin: str | None = None,
                    context: dict[str, Any] | None = None) -> int:
        return self.insert("warnings", [{
            "evidence_id": evidence_id, "file_id": file_id, "volume_idx": volume_idx, "path": path,
            "plugin": plugin, "code": code, "message": message, "context": dumps(context or {}),
            "created_utc": utc_now()}])[0]


class DamagedStoreError(CaseError):
    """The store file cannot be read as a whole: an integrity failure (exit 1, as `verify`'s)."""

    exit_code = EXIT_VERIFY_FAILED


class _WriteLock:
    """An advisory lock on CASE_DIR/.write-lock, held while a command changes the case. The
    operating system drops it when the process ends, even by kill -9."""

    def __init__(self, handle) -> None:
        self._handle = handle

    @classmethod
    def take(cls, case_dir: Path, command: str) -> _WriteLock:
        import fcntl

        path = Path(case_dir) / ".write-lock"
        handle = open(path, "a+")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise CaseError(f"the case is open in another process ({holder}): wait for it to finish") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}: {command}")
        handle.flush()
        lock = cls(handle)
        _HELD.append(lock)
        return lock

    def release(self) -> None:
        import fcntl

        if self in _HELD:
            _HELD.remove(self)
        fcntl.flock(self._handle.fileno(), fcntl.LOCK_UN)
        self._handle.close()


_HELD: list[_WriteLock] = []


def forget_inherited_locks() -> None:
    """In a forked worker: close the inherited copies of the parent's lock files (closing a copy
    leaves the parent's lock in place, but a worker outliving its parent no longer holds it)."""
    for lock in _HELD:
        lock._handle.close()
    _HELD.clear()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return str(os.getuid())
