"""Text clean-up that every format needs: markup left by earlier conversions, bullets, hyphenation,
and the running headers, footers, page numbers and contents pages of paged documents."""
from __future__ import annotations

import html
import re
from collections import Counter

from index.text import BULLET_CHARS

from .document import Line

_BULLET_ONLY = re.compile(rf"^\s*[{BULLET_CHARS}]\s*$")
_BULLET_START = re.compile(rf"^\s*(?:[{BULLET_CHARS}]|[-*\u2013](?=\s))\s*")
_HTML_TAG = re.compile(
    r"</?(?:ul|ol|li|p|br|div|span|b|i|u|em|strong|table|tr|td|th|tbody|thead|font|a|h[1-6])\b[^>]*>", re.I
)
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\s*$", re.I)
_TOC_LINE = re.compile(r"^(.{3,}?)(?:\s*\.{3,}\s*|\s+)(\d{1,3})\s*$")


def strip_markup(text: str) -> str:
    """Remove HTML tags and entities that leaked into text from an earlier conversion."""
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def split_bullet(text: str) -> tuple[bool, str]:
    """Whether a line starts with a bullet, and its text without the bullet."""
    match = _BULLET_START.match(text)
    if match:
        return True, text[match.end():]
    return False, text


def is_bullet_only(text: str) -> bool:
    return bool(_BULLET_ONLY.match(text))


def split_inline_bullets(text: str) -> list[str]:
    """'Strengths: • one • two' (a list flattened into one line) becomes the lead-in and its bullets."""
    parts = re.split(rf"\s*[{BULLET_CHARS}]\s*", text)
    if len(parts) < 2 or is_bullet_only(text):
        return [text]
    lead = [parts[0]] if parts[0].strip() else []
    return lead + [f"\u2022 {part}" for part in parts[1:] if part.strip()]


def _shape(text: str) -> str:
    """A line with its numbers blanked, so 'Page 3' and 'Page 4' count as the same running line."""
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text)).strip().lower()


def remove_running_lines(lines: list[Line], edge: int = 4) -> list[Line]:
    """Drop headers and footers repeated at the top or bottom of most pages, and bare page numbers."""
    by_page: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if line.page is not None and line.text.strip():
            by_page.setdefault(line.page, []).append(index)
    if not by_page:
        return lines
    drop: set[int] = set()
    if len(by_page) >= 3:
        counts: Counter = Counter()
        for indexes in by_page.values():
            edges = set(indexes[:edge] + indexes[-edge:])
            counts.update({_shape(lines[i].text) for i in edges})
        threshold = max(3, len(by_page) // 2)
        running = {shape for shape, n in counts.items() if n >= threshold and len(shape) > 1}
        for indexes in by_page.values():
            for i in indexes[:edge] + indexes[-edge:]:
                if _shape(lines[i].text) in running:
                    drop.add(i)
    for indexes in by_page.values():
        for i in indexes[:edge] + indexes[-edge:]:
            if _PAGE_NUMBER.match(lines[i].text):
                drop.add(i)
    return [line for i, line in enumerate(lines) if i not in drop]


def remove_contents_pages(lines: list[Line]) -> list[Line]:
    """Drop a table of contents: a page headed 'Contents' whose lines mostly end in page numbers.

    Left in, its lines repeat every heading of the document and outrank the text they point to."""
    pages: dict[int, list[int]] = {}
    for index, line in enumerate(lines):
        if line.page is not None and line.text.strip():
            pages.setdefault(line.page, []).append(index)
    drop: set[int] = set()
    for indexes in pages.values():
        texts = [lines[i].text.strip() for i in indexes]
        heads = [t.lower() for t in texts[:6]]
        if not any(h in ("contents", "table of contents", "contents page") for h in heads):
            continue
        start = next(k for k, h in enumerate(heads) if h in ("contents", "table of contents", "contents page"))
        entries = [k for k in range(start + 1, len(texts)) if _TOC_LINE.match(texts[k])]
        if len(entries) >= 3 and len(entries) >= 0.5 * (len(texts) - start - 1):
            drop.update(indexes[start: entries[-1] + 1])
    return [line for i, line in enumerate(lines) if i not in drop]


def join_wrapped(previous: str, current: str, vocabulary: set[str]) -> str:
    """Join a wrapped line to the text before it, mending a word hyphenated across the break.

    'organisa-' + 'tion' becomes 'organisation' when the document uses that word elsewhere; a real
    compound such as 'multi-' + 'agency' keeps its hyphen."""
    previous = previous.rstrip()
    current = current.strip()
    if not previous:
        return current
    match = re.search(r"(\w+)-$", previous)
    if match and current[:1].islower():
        head = match.group(1)
        tail = re.match(r"[\w']+", current)
        tail_word = tail.group(0) if tail else ""
        joined = (head + tail_word).lower()
        if tail_word and joined in vocabulary and f"{head}-{tail_word}".lower() not in vocabulary:
            return previous[:-1] + current
        return previous + current
    return previous + " " + current


def word_vocabulary(lines: list[Line]) -> set[str]:
    """Every word and hyphenated compound the document uses, to tell a split word from a compound."""
    words: set[str] = set()
    for line in lines:
        words.update(w.lower() for w in re.findall(r"\w+(?:-\w+)*", line.text))
    return words
