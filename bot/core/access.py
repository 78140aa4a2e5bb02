"""Which document collections each place may see: a Slack channel, a Teams channel or a Teams team, the same
rules for both.

The access file (TOML, `REVIEWBOT_ACCESS_FILE`, default `DATA_DIR/access.toml`):

    default = ["default"]                 # unlisted places, direct messages and personal chats
    [channels]
    C0SAFEGUARDING = ["default", "restricted"]                         # a Slack channel
    "19:abc@thread.tacv2" = ["default", "restricted"]                  # a Teams channel or team

Documents get their collection at ingest: `reviewbot ingest --collection restricted PATH`.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from index.records import DEFAULT_COLLECTION


class AccessFileError(Exception):
    """The access file cannot be read."""


@dataclass(frozen=True)
class AccessPolicy:
    default: frozenset[str] = frozenset({DEFAULT_COLLECTION})
    channels: dict[str, frozenset[str]] = field(default_factory=dict)

    def collections_for(self, *places: str | None) -> frozenset[str]:
        """The collections of the first listed place, most specific first (a Teams channel before its team);
        the default where none is listed. Direct messages and personal chats pass no place."""
        for place in places:
            if place and place in self.channels:
                return self.channels[place]
        return self.default


def load_policy(path: Path) -> AccessPolicy:
    """The policy in `path`; with no file, every channel sees the default collection only."""
    if not path.is_file():
        return AccessPolicy()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        default = frozenset(data.get("default", [DEFAULT_COLLECTION]))
        channels = {str(k): frozenset(v) for k, v in data.get("channels", {}).items()}
    except (tomllib.TOMLDecodeError, TypeError, AttributeError) as exc:
        raise AccessFileError(f"cannot read the access file {path}: {exc}") from exc
    return AccessPolicy(default, channels)
