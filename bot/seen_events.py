"""Chat platforms deliver an event again when they think it was missed (Slack retries after 3 s, with
X-Slack-Retry-Num). Each event id is answered once, across restarts and replicas sharing the data folder."""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

# Slack stops retrying after about an hour; ids older than this are forgotten.
KEEP = timedelta(hours=2)


class SeenEvents:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=10)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, seen_at TEXT NOT NULL)")

    def first_time(self, event_id: str) -> bool:
        """True the first time an id is offered, False after: one atomic insert decides."""
        now = datetime.now(timezone.utc)
        with self._lock, self._db:
            added = self._db.execute("INSERT OR IGNORE INTO events VALUES (?, ?)",
                                     (event_id, now.isoformat())).rowcount == 1
            if added:
                self._db.execute("DELETE FROM events WHERE seen_at < ?", ((now - KEEP).isoformat(),))
        return added
