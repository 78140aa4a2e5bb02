"""The recent questions of each conversation, kept in the data folder, for follow-ups in chats that (unlike
Slack threads) the bot cannot read back."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from .database import Database

KEEP = 10  # questions per conversation
_MIGRATIONS = [[
    "CREATE TABLE IF NOT EXISTS turns (conversation TEXT NOT NULL, question TEXT NOT NULL, asked_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS turns_by_conversation ON turns (conversation, asked_at)",
]]


class ConversationHistory:
    def __init__(self, path: Path) -> None:
        self._db = Database(path, _MIGRATIONS)

    def recent(self, conversation: str, n: int = 5) -> list[str]:
        """The last `n` questions, oldest first."""
        rows = self._db.rows("SELECT question FROM turns WHERE conversation = ? ORDER BY rowid DESC LIMIT ?",
                             (conversation, n))
        return [row[0] for row in reversed(rows)]

    def add(self, conversation: str, question: str) -> None:
        self._db.write(
            ("INSERT INTO turns VALUES (?, ?, ?)",
             (conversation, question, datetime.now(timezone.utc).isoformat(timespec="seconds"))),
            ("DELETE FROM turns WHERE conversation = ? AND rowid NOT IN (SELECT rowid FROM turns "
             "WHERE conversation = ? ORDER BY rowid DESC LIMIT ?)", (conversation, conversation, KEEP)))
