"""Check that a quote is in its source word for word, allowing only for differences of typography."""
from __future__ import annotations

import re
import unicodedata

from ingest.clean import BULLET_CHARS


def normalise(text: str) -> str:
    """Case, spacing, quote marks, dashes and bullets set aside; every word and its order kept."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("\u00ad", "")
    text = text.translate({0x2018: "'", 0x2019: "'", 0x201C: '"', 0x201D: '"'})
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(rf"[{BULLET_CHARS}]", " ", text)
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*-\s*", "-", text)
    return text.strip()


def is_verbatim(quote: str, source_text: str) -> bool:
    quote = normalise(quote)
    return bool(quote) and quote in normalise(source_text)
