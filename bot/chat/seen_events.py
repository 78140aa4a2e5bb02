"""Chat platforms deliver an event again when they think it was missed (Slack retries after 3 s, with
X-Slack-Retry-Num). Each event id is answered once, across restarts and replicas sharing the data folder."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from .database import Database

# Slack stops retrying after about an hour; ids older than this are forgotten.
KEEP = timedelta(hours=2)
_MIGRATIONS = [["CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, seen_at TEXT NOT NULL)"]]


class SeenEvents:
    def __init__(self, path: Path) -> None:
        self._db = Database(path, _MIGRATIONS)

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is offered, False after: one atomic insert decides."""
        now = datetime.now(timezone.utc)
        added = self._db.write(("INSERT OR IGNORE INTO events VALUES (?, ?)", (event_id, now.isoformat()))) == 1
        if added:
            self._db.write(("DELETE FROM events WHERE seen_at < ?", ((now - KEEP).isoformat(),)))
        return added
