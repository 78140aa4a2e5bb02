"""One answer being given in one Slack thread: a status line or a placeholder while the documents are searched,
the model's words streamed while it writes, and the checked answer at the end."""
from __future__ import annotations

import logging
import threading
import time

from slack_sdk import WebClient

from index import tuning

from ..reply import FAILED, Reply
from .blocks import LOADING_MESSAGES, STATUS, WORKING, answer_blocks, closing_blocks, fallback_text

log = logging.getLogger("reviewbot.slack")


class ThreadReply:
    """One answer being given in one thread: a status or a placeholder while searching, the model's words
    streamed while it writes, and the checked answer at the end. Whatever fails on the way, nothing is left
    saying "searching"."""

    def __init__(self, client: WebClient, channel: str, thread_ts: str, user: str | None, team: str | None,
                 show_status: bool) -> None:
        self.client, self.channel, self.thread_ts = client, channel, thread_ts
        self.user, self.team = user, team
        self.placeholder: str | None = None
        self.status_shown = False
        self.stream = None
        self._buffer = ""
        self._sent_at = 0.0
        self._broken = False
        self._lock = threading.Lock()
        if show_status:  # direct messages and assistant threads: the thread's own status line
            try:
                client.assistant_threads_setStatus(channel_id=channel, thread_ts=thread_ts, status=STATUS,
                                                   loading_messages=LOADING_MESSAGES)
                self.status_shown = True
                return
            except Exception:  # a workspace without the assistant feature: a placeholder instead
                log.info("no assistant status in %s; posting a placeholder", channel)
        self.placeholder = client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=WORKING)["ts"]

    def on_text(self, text: str) -> None:
        with self._lock:
            if self._broken:
                return
            self._buffer += text
            now = time.monotonic()
            if self.stream is None or now - self._sent_at >= tuning.SLACK_STREAM_SECONDS \
                    or len(self._buffer) >= tuning.SLACK_STREAM_CHARACTERS:
                try:
                    self._send(now)
                except Exception:  # the model goes on; the answer is posted whole at the end instead
                    log.warning("could not stream into %s; the answer will be posted whole", self.channel,
                                exc_info=True)
                    self._broken = True

    def _send(self, now: float) -> None:
        if self.stream is None:
            self.stream = self.client.chat_stream(channel=self.channel, thread_ts=self.thread_ts, buffer_size=1,
                                                  recipient_user_id=self.user, recipient_team_id=self.team)
            self._drop_placeholder()
        if self._buffer:
            self.stream.append(markdown_text=self._buffer)
        self._buffer, self._sent_at = "", now

    def _drop_placeholder(self) -> None:
        if self.placeholder:
            try:
                self.client.chat_delete(channel=self.channel, ts=self.placeholder)
                self.placeholder = None
            except Exception:
                log.warning("could not delete the placeholder in %s", self.channel, exc_info=True)

    def _streaming(self) -> bool:
        """Has a stream started in the thread (the first words reached Slack)?"""
        return self.stream is not None and self.stream.ts is not None

    def finish(self, reply: Reply) -> None:
        text, blocks = fallback_text(reply), answer_blocks(reply)
        if not self._streaming():
            self._deliver(text, blocks)
            return
        # The sources and buttons come with the end of the stream; the checked answer, with the markers of its
        # sources, then replaces the words streamed before the checks.
        self._end_stream(blocks=closing_blocks(reply))
        try:
            self.client.chat_update(channel=self.channel, ts=self.stream.ts, text=text, blocks=blocks)
        except Exception:
            log.exception("could not replace the streamed text in %s; it stands, with its sources", self.channel)
        self._retire_placeholder()

    def fail(self) -> None:
        if not self._streaming():
            self._deliver(FAILED, [])
            return
        self._end_stream(markdown_text="\n\n" + FAILED)
        self._retire_placeholder()

    def _end_stream(self, **closing) -> None:
        try:
            with self._lock:
                if not self._broken:
                    self._send(time.monotonic())
            self.stream.stop(**closing)
        except Exception:
            log.exception("could not end the stream in %s", self.channel)

    def _deliver(self, text: str, blocks: list[dict]) -> None:
        if self.placeholder:
            try:
                self.client.chat_update(channel=self.channel, ts=self.placeholder, text=text, blocks=blocks)
                return
            except Exception:
                log.warning("could not update the placeholder in %s; posting the answer instead", self.channel,
                            exc_info=True)
        try:
            self.client.chat_postMessage(channel=self.channel, thread_ts=self.thread_ts, text=text, blocks=blocks)
        except Exception:
            self._clear_status()  # a posted reply would have cleared it
            raise
        finally:
            self._retire_placeholder()

    def _retire_placeholder(self) -> None:
        """The placeholder goes, or at least stops saying the search goes on."""
        if self.placeholder:
            self._drop_placeholder()
        if self.placeholder:
            try:
                self.client.chat_update(channel=self.channel, ts=self.placeholder, text="Answered below.", blocks=[])
            except Exception:
                log.error("the placeholder in %s could be neither deleted nor updated", self.channel)

    def _clear_status(self) -> None:
        if self.status_shown:
            try:
                self.client.assistant_threads_setStatus(channel_id=self.channel, thread_ts=self.thread_ts, status="")
            except Exception:
                log.warning("could not clear the status in %s", self.channel)
