"""Answers given in chat and the 👍/👎 votes on them, in a SQLite file in the data folder."""
from __future__ import annotations

import csv
import io
import json
import sqlite3
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .answer import Answer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY, question TEXT NOT NULL, answer TEXT NOT NULL, payload TEXT NOT NULL,
    user TEXT, channel TEXT, created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id), vote TEXT NOT NULL CHECK (vote IN ('up', 'down')),
    user TEXT, channel TEXT, voted_at TEXT NOT NULL, PRIMARY KEY (answer_id, user)
);
"""


@dataclass
class Vote:
    question: str
    answer: str
    sources: str
    vote: str
    user: str | None
    channel: str | None
    voted_at: str


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._lock = threading.Lock()  # chat handlers run in threads
        with self._lock:
            self._db.executescript(_SCHEMA)

    def remember(self, answer: Answer, user: str | None, channel: str | None) -> str:
        """Keep an answer so buttons on it (vote, copy, more sources, post) can find it again."""
        answer_id = uuid.uuid4().hex[:16]
        with self._lock, self._db:
            self._db.execute("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (answer_id, answer.question, answer.answer, json.dumps(answer.to_dict()), user, channel,
                              _now()))
        return answer_id

    def answer(self, answer_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT payload FROM answers WHERE id = ?", (answer_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def vote(self, answer_id: str, vote: str, user: str | None, channel: str | None) -> None:
        """One vote per person per answer; voting again changes it."""
        with self._lock, self._db:
            self._db.execute("INSERT OR REPLACE INTO votes VALUES (?, ?, ?, ?, ?)", (answer_id, vote, user, channel, _now()))

    def votes(self) -> list[Vote]:
        with self._lock:
            rows = self._db.execute(
                "SELECT a.question, a.answer, a.payload, v.vote, v.user, v.channel, v.voted_at "
                "FROM votes v JOIN answers a ON a.id = v.answer_id ORDER BY v.voted_at").fetchall()
        votes = []
        for question, answer, payload, vote, user, channel, voted_at in rows:
            citations = json.loads(payload).get("citations", [])
            sources = "; ".join(f"{c['source']} p.{c['page']}" if c.get("page") else c["source"] for c in citations)
            votes.append(Vote(question, answer, sources, vote, user, channel, voted_at))
        return votes


def votes_as_csv(votes: list[Vote]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["voted_at", "vote", "user", "channel", "question", "answer", "sources"])
    for v in votes:
        writer.writerow([v.voted_at, v.vote, v.user, v.channel, v.question, v.answer, v.sources])
    return out.getvalue()
