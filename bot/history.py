"""The recent questions of each conversation, kept in the data folder, for follow-ups in chats that (unlike
Slack threads) the bot cannot read back."""
from __future__ import annotations

import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path

KEEP = 10  # questions per conversation


class ConversationHistory:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()
        with self._lock, self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS turns (conversation TEXT NOT NULL, question TEXT NOT NULL, "
                             "asked_at TEXT NOT NULL)")
            self._db.execute("CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation, asked_at)")

    def recent(self, conversation: str, n: int = 5) -> list[str]:
        """The last `n` questions, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT question FROM turns WHERE conversation = ? ORDER BY rowid DESC LIMIT ?",
                                    (conversation, n)).fetchall()
        return [row[0] for row in reversed(rows)]

    def add(self, conversation: str, question: str) -> None:
        with self._lock, self._db:
            self._db.execute("INSERT INTO turns VALUES (?, ?, ?)",
                             (conversation, question, datetime.now(timezone.utc).isoformat(timespec="seconds")))
            self._db.execute("DELETE FROM turns WHERE conversation = ? AND rowid NOT IN (SELECT rowid FROM turns "
                             "WHERE conversation = ? ORDER BY rowid DESC LIMIT ?)", (conversation, conversation, KEEP))
