"""Teams' streaming protocol, in a personal chat: an informative update at once, the model's words while it
writes (checked quotations only, at most an update a second), then the final message."""
from __future__ import annotations

import asyncio
import logging
import time

from microsoft_agents.activity import Activity, ActivityTypes, StreamInfo
from microsoft_agents.hosting.core import TurnContext

log = logging.getLogger("reviewbot.teams")

# Teams accepts a streamed update about once a second.
STREAM_EVERY_SECONDS = 1.0


class TeamsStream:
    """Teams' streaming protocol, in a personal chat: an informative update at once, the model's words while
    it writes (checked quotations only, at most an update a second), and then the final message, which
    replaces the streamed words with the checked answer."""

    def __init__(self, context: TurnContext) -> None:
        self.context = context
        self.id: str | None = None
        self.text = ""
        self._sequence = 0
        self._sent_at = 0.0
        self._lock = asyncio.Lock()
        self.closed = False

    async def _send(self, kind: str, text: str) -> None:
        self._sequence += 1
        info = StreamInfo(stream_type=kind, stream_sequence=self._sequence, **({"stream_id": self.id} if self.id else {}))
        response = await self.context.send_activity(Activity(type=ActivityTypes.typing, text=text, entities=[info]))
        if self.id is None and response is not None:
            self.id = response.id

    async def move_to(self, context: TurnContext) -> None:
        """Go on streaming in another turn's context (a proactive one, once the first turn has ended)."""
        async with self._lock:
            self.context = context

    async def inform(self, text: str) -> None:
        async with self._lock:
            await self._send("informative", text)

    async def add(self, text: str) -> None:
        async with self._lock:
            if self.closed:
                return
            self.text += text
            now = time.monotonic()
            if now - self._sent_at >= STREAM_EVERY_SECONDS:
                self._sent_at = now
                try:
                    await self._send("streaming", self.text)
                except Exception:  # an update lost is no reason to lose the answer: the final message follows
                    log.warning("could not send a streamed update", exc_info=True)

    async def close(self) -> None:
        async with self._lock:
            self.closed = True
