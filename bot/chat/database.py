"""A SQLite file in the data folder, shared by a process's threads and by replicas that share the folder, its
schema brought up to date by numbered migrations (PRAGMA user_version counts those applied)."""
from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence


@dataclass(frozen=True)
class AddColumn:
    """A column added after a table's first release. Files made before migrations were numbered may have it
    already, so it is added only where it is missing."""

    table: str
    column: str
    kind: str

    def apply(self, db: sqlite3.Connection) -> None:
        if self.column not in {row[1] for row in db.execute(f"PRAGMA table_info({self.table})")}:
            db.execute(f"ALTER TABLE {self.table} ADD COLUMN {self.column} {self.kind}")


# One migration: statements (SQL text, or a column to add) applied together, in one transaction.
Migration = Sequence["str | AddColumn"]


class Database:
    def __init__(self, path: Path, migrations: Sequence[Migration], timeout: float = 10.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit, so that each migration and each write is a transaction of its own making.
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=timeout, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            for number, migration in enumerate(migrations, start=1):
                self._migrate(number, migration)

    def _migrate(self, number: int, migration: Migration) -> None:
        # IMMEDIATE: two replicas opening a new file at once apply each migration once.
        self._db.execute("BEGIN IMMEDIATE")
        try:
            if self._db.execute("PRAGMA user_version").fetchone()[0] < number:
                for step in migration:
                    step.apply(self._db) if isinstance(step, AddColumn) else self._db.execute(step)
                self._db.execute(f"PRAGMA user_version = {number}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def rows(self, sql: str, parameters: Sequence = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def row(self, sql: str, parameters: Sequence = ()) -> tuple | None:
        with self._lock:
            return self._db.execute(sql, parameters).fetchone()

    def write(self, *statements: tuple[str, Sequence]) -> int:
        """Each (sql, parameters) in one transaction; how many rows the first changed."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                changed = [self._db.execute(sql, parameters).rowcount for sql, parameters in statements]
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return changed[0] if changed else 0
