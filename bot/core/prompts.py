"""The prompt files in prompts/, with named placeholders such as {question}."""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable

# prompts/ in the source tree, installed as the package `reviewbot_prompts` (see pyproject.toml).
PROMPTS_DIR = resources.files("reviewbot_prompts")


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str
    source: str
    condense: str

    @classmethod
    def load(cls, folder: Traversable = PROMPTS_DIR) -> "Prompts":
        return cls(**{name: (folder / f"{name}.txt").read_text(encoding="utf-8").strip() for name in
                      ("system", "answer", "source", "condense")})


def fill(template: str, **values) -> str:
    """The template with its placeholders filled; text put in is not itself read for placeholders."""
    return template.format_map(values)
