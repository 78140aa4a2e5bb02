"""Answers given in chat and the 👍/👎 votes on them, in a SQLite file in the data folder."""
from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..core.types import Answer
from .database import AddColumn, Database

_MIGRATIONS = [
    ["CREATE TABLE IF NOT EXISTS answers (id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, "
     "payload TEXT NOT NULL, user TEXT, channel TEXT, created_at TEXT NOT NULL)",
     "CREATE TABLE IF NOT EXISTS votes (answer_id TEXT NOT NULL REFERENCES answers(id), vote TEXT NOT NULL "
     "CHECK (vote IN ('up', 'down')), user TEXT, channel TEXT, voted_at TEXT NOT NULL, PRIMARY KEY (answer_id, user))"],
    # The thread an answer was given in (follow-ups), the platform's message id (Teams' feedback), comments.
    [AddColumn("answers", "thread", "TEXT"), AddColumn("answers", "message", "TEXT"),
     AddColumn("votes", "comment", "TEXT"),
     "CREATE INDEX IF NOT EXISTS answers_by_thread ON answers (channel, thread)"],
]


@dataclass
class Vote:
    question: str
    answer: str
    sources: str
    vote: str
    user: str | None
    channel: str | None
    voted_at: str
    comment: str | None = None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self._db = Database(path, _MIGRATIONS)

    def remember(self, answer: Answer, user: str | None, channel: str | None, thread: str | None = None) -> str:
        """Keep an answer so buttons on it (vote, copy, more sources, post) can find it again, and so a thread
        it was given in is known as one the bot takes part in."""
        answer_id = uuid.uuid4().hex[:16]
        self._db.write(("INSERT INTO answers (id, question, answer, payload, user, channel, created_at, thread) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (answer_id, answer.question, answer.answer, json.dumps(answer.to_dict()), user, channel,
                         _now(), thread)))
        return answer_id

    def answer(self, answer_id: str) -> Answer | None:
        row = self._db.row("SELECT payload FROM answers WHERE id = ?", (answer_id,))
        return Answer.from_dict(json.loads(row[0])) if row else None

    def attach_message(self, answer_id: str, message_id: str) -> None:
        """The id the chat platform gave the message that shows the answer: its own feedback control names it."""
        self._db.write(("UPDATE answers SET message = ? WHERE id = ?", (message_id, answer_id)))

    def answer_shown_in(self, channel: str, message_id: str) -> str | None:
        """The id of the answer a platform message shows."""
        row = self._db.row("SELECT id FROM answers WHERE channel = ? AND message = ?", (channel, message_id))
        return row[0] if row else None

    def answered_in(self, channel: str, thread: str) -> bool:
        """Has the bot answered in this thread?"""
        return self._db.row("SELECT 1 FROM answers WHERE channel = ? AND thread = ? LIMIT 1",
                            (channel, thread)) is not None

    def vote(self, answer_id: str, vote: str, user: str | None, channel: str | None,
             comment: str | None = None) -> None:
        """One vote per person per answer; voting again changes it."""
        self._db.write(("INSERT OR REPLACE INTO votes (answer_id, vote, user, channel, voted_at, comment) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (answer_id, vote, user, channel, _now(), comment or None)))

    def votes(self) -> list[Vote]:
        rows = self._db.rows(
            "SELECT a.question, a.answer, a.payload, v.vote, v.user, v.channel, v.voted_at, v.comment "
            "FROM votes v JOIN answers a ON a.id = v.answer_id ORDER BY v.voted_at")
        votes = []
        for question, answer, payload, vote, user, channel, voted_at, comment in rows:
            citations = json.loads(payload).get("citations", [])
            sources = "; ".join(f"{c['source']} p.{c['page']}" if c.get("page") else c["source"] for c in citations)
            votes.append(Vote(question, answer, sources, vote, user, channel, voted_at, comment))
        return votes


def votes_as_csv(votes: list[Vote]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["voted_at", "vote", "user", "channel", "question", "answer", "sources", "comment"])
    for v in votes:
        writer.writerow([v.voted_at, v.vote, v.user, v.channel, v.question, v.answer, v.sources, v.comment or ""])
    return out.getvalue()
