"""The prompt files in prompts/, with named placeholders such as {question}."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROMPTS_DIR = Path(__file__).resolve().parents[1] / "prompts"


@dataclass(frozen=True)
class Prompts:
    system: str
    answer: str
    source: str
    condense: str

    @classmethod
    def load(cls, folder: Path = PROMPTS_DIR) -> "Prompts":
        return cls(**{name: (folder / f"{name}.txt").read_text(encoding="utf-8").strip() for name in
                      ("system", "answer", "source", "condense")})


def fill(template: str, **values) -> str:
    """The template with its placeholders filled; text put in is not itself read for placeholders."""
    return template.format_map(values)
