"""Which document collections each Slack channel may see.

The access file (TOML, `REVIEWBOT_ACCESS_FILE`, default `DATA_DIR/access.toml`):

    default = ["default"]                 # unlisted channels and direct messages
    [channels]
    C0SAFEGUARDING = ["default", "restricted"]

Documents get their collection at ingest: `reviewbot ingest --collection restricted PATH`.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from ingest.document import DEFAULT_COLLECTION


class AccessFileError(Exception):
    """The access file cannot be read."""


@dataclass(frozen=True)
class AccessPolicy:
    default: frozenset[str] = frozenset({DEFAULT_COLLECTION})
    channels: dict[str, frozenset[str]] = field(default_factory=dict)

    def collections_for(self, channel: str | None, is_direct: bool) -> frozenset[str]:
        if channel and not is_direct and channel in self.channels:
            return self.channels[channel]
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
