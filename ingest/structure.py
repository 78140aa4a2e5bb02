"""Turn cleaned lines into blocks: headings (kept as a section path), paragraphs, bullets and rows."""
from __future__ import annotations

import re

from index.vocabulary import sections

from . import clean
from .document import Block, Line

_NUMBERED = re.compile(r"^\(?\d{1,3}(?:\.\d{1,3})*[.)]?\s+(?=[A-Z\u2018'\"(])")
_FIELD = re.compile(r"^([A-Z][\w'’()/&-]*(?:\s+[\w'’()/&-]+){0,4}):\s+\S")
_RATING = re.compile(
    r"(?:^|\s)(?:outstanding|good|inadequate|requires improvement(?: to be good)?|not yet good|adequate)\s*$", re.I
)
_TERMINAL = (".", "!", "?", ";", ":")
_CLOSING = re.compile(r"\b(regards|yours sincerely|yours faithfully|best wishes|kind regards|yours truly),?$", re.I)
SIGNED = "Signed"
# A signature is a name and a role or two on the lines after the closing.
_SIGNATURE_LINES = 3
# Lead-ins such as 'Strengths:' sit below every real heading and replace one another.
LABEL_LEVEL = 9
# A list after a lead-in, without bullets, has at most this many lines of at most this many words.
_LIST_ITEMS = 15
_LIST_ITEM_WORDS = 25


def _is_label(text: str) -> bool:
    """'Strengths:' or 'Areas for further consideration:' — a short lead-in that ends with a colon."""
    return text.endswith(":") and len(text.split()) <= 6 and text[:1].isupper()


def _looks_like_heading(text: str) -> bool:
    """A heading in text that carries no fonts: short, capitalised, no sentence punctuation."""
    words = text.split()
    if not words or len(words) > 12 or text.endswith((".", ",", ";")) or not text[:1].isalnum():
        return False
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8 and len(letters) > 3:
        return True  # 'BACKGROUND', '1 SUMMARY'
    return text[:1].isupper() or text[:1].isdigit()


def _is_caps_heading(text: str) -> bool:
    """'1 BACKGROUND', 'SUMMARY': a short line in capitals is a heading in any format."""
    letters = [c for c in text if c.isalpha()]
    return 4 <= len(letters) and len(text.split()) <= 8 and all(c.isupper() for c in letters) \
        and not text.endswith((".", ","))


def _is_rating_line(text: str) -> bool:
    return len(text.split()) <= 8 and not text.endswith(_TERMINAL) and bool(_RATING.search(text))


def _column_name(line: Line) -> bool:
    """A table's column header: a short line that is the name of a section ('Strengths', 'Areas for
    consideration'), and little else."""
    text = line.text.strip().rstrip(":")
    if not 0 < len(text.split()) <= 5 or text.endswith((".", ",", ";", "?")):
        return False
    match = next((m for _, pattern in sections() if (m := pattern.search(text.lower()))), None)
    return match is not None and len(match.group(0)) >= 0.6 * len(text)


def _column_tables(lines: list[Line]) -> list[Line]:
    """A table whose columns are sections ('Strengths | Areas for consideration'), as a PDF reader gives it:
    the header row's names, then each column's cells in turn, each column in its own style. Each column
    becomes a label under the heading above the table, and its cells the text under that label, so that
    'the strengths under working together' finds them; without this the first column, styled like a heading,
    reads as one."""
    out: list[Line] = []
    index = 0
    while index < len(lines):
        first = lines[index]
        second = lines[index + 1] if index + 1 < len(lines) else None
        if second is None or not (_column_name(first) and _column_name(second)) \
                or first.heading_level == second.heading_level or first.page != second.page:
            out.append(first)
            index += 1
            continue
        columns = [(first.heading_level, first.text.strip()), (second.heading_level, second.text.strip())]
        index += 2
        for column, (style, name) in enumerate(columns):
            out.append(Line(name + ":", first.page, LABEL_LEVEL, "heading"))
            # A column's cells are its own style's lines; the second ends where the first's style comes back
            # (the next heading) or anything else does.
            while index < len(lines) and lines[index].text.strip() and lines[index].heading_level == style \
                    and lines[index].kind is None:
                out.append(Line(lines[index].text, lines[index].page, None, None))
                index += 1
            out.append(Line("", lines[index - 1].page if index else first.page))
    return out


def to_blocks(lines: list[Line]) -> list[Block]:
    """Group lines into blocks and give each the path of headings above it."""
    vocabulary = clean.word_vocabulary(lines)
    prepared = _prepare(_column_tables(lines))
    blocks: list[Block] = []
    stack: list[tuple[int, str]] = []  # (level, heading text)
    current: Block | None = None
    pending_bullet = False

    def close():
        nonlocal current
        if current is not None and current.text.strip():
            current.text = re.sub(r"\s+", " ", current.text).strip()
            blocks.append(current)
        current = None

    def section() -> tuple[str, ...]:
        return tuple(text for _, text in stack)

    def push_heading(level: int, text: str, page):
        close()
        text = re.sub(r"\s+", " ", text).strip().rstrip(":").strip()
        while stack and stack[-1][0] >= level:
            stack.pop()
        stack.append((level, text))
        blocks.append(Block("heading", text, page, section()))

    signature_lines = 0
    listed = 0  # items taken so far of a list that follows a lead-in without bullets
    listing = False
    for index, line in enumerate(prepared):
        text = line.text.strip()
        if not text:
            if line.kind is None and not signature_lines:
                close()
                listing = False
            continue
        if listing and line.kind is None and not clean.split_bullet(text)[0]:
            # 'The review team consisted of:' and then a line for each member, whatever their fonts: each
            # line is an item, a line that starts in lower case goes on with the one before.
            if text[:1].islower() and current is not None and current.kind == "bullet":
                current.text = clean.join_wrapped(current.text, text, vocabulary)
                continue
            # A short line in a heading's style ('Key strengths') is the next heading, not an item.
            heading_like = line.heading_level is not None and len(text.split()) <= 4 and "," not in text
            if heading_like or _NUMBERED.match(text) or text.endswith(":") or len(text.split()) > _LIST_ITEM_WORDS \
                    or listed == _LIST_ITEMS:
                listing = False
            else:
                close()
                current = Block("bullet", text, line.page, section())
                listed += 1
                continue
        if signature_lines:
            # The lines after 'Regards,' are who signed, whatever their fonts say.
            if len(text.split()) <= 12 and not clean.split_bullet(text)[0]:
                if current is None:
                    current = Block("paragraph", text, line.page, section() + (SIGNED,))
                else:
                    current.text += " " + text
                signature_lines -= 1
                if not signature_lines:
                    close()
                continue
            signature_lines = 0
            close()
        if line.kind in ("paragraph", "bullet", "row"):
            close()
            current = Block(line.kind, text, line.page, section())
            close()
            continue
        next_line = _next_text(prepared, index)
        leads_list = next_line is None or clean.split_bullet(next_line)[0] or clean.is_bullet_only(next_line)
        field_label = _is_label(text) and not leads_list and line.kind is None
        if (line.kind == "heading" or line.heading_level is not None) and not field_label:
            level = LABEL_LEVEL if _is_label(text) else (line.heading_level or 2)
            previous = blocks[-1] if blocks and current is None else None
            # A heading wrapped over two lines arrives as two heading lines of the same level.
            if previous is not None and previous.kind == "heading" and stack and stack[-1][0] == level \
                    and level != LABEL_LEVEL and prepared[index - 1].heading_level == level \
                    and prepared[index - 1].page == line.page \
                    and (text[:1].islower() or len(prepared[index - 1].text.strip()) > 45):
                merged = f"{stack[-1][1]} {text}".rstrip(":").strip()
                stack[-1] = (level, merged)
                previous.text = merged
                previous.section = section()
                continue
            push_heading(level, text, line.page)
            pending_bullet = False
            continue
        if clean.is_bullet_only(text):
            close()
            pending_bullet = True
            continue
        is_bullet, body = clean.split_bullet(text)
        if is_bullet or pending_bullet:
            close()
            current = Block("bullet", body.strip(), line.page, section())
            pending_bullet = False
            continue
        if _is_label(text) and leads_list:
            push_heading(LABEL_LEVEL, text, line.page)
            continue
        plain_heading = line.page is None and _looks_like_heading(text) and _standalone(prepared, index)
        if plain_heading or _is_caps_heading(text):
            push_heading(2, text, line.page)
            continue
        # A numbered paragraph or a 'Label: value' field after a finished sentence starts a new block;
        # a short field line ends the one before it.
        starts_new = current is None
        if current is not None:
            finished = current.text.rstrip().endswith(_TERMINAL)
            if finished and (_NUMBERED.match(text) or _FIELD.match(text)):
                starts_new = True
            if (_FIELD.match(text) or field_label) and len(current.text) < 200 and not current.text.endswith(","):
                starts_new = True
        if starts_new:
            close()
            current = Block("paragraph", text, line.page, section())
        else:
            current.text = clean.join_wrapped(current.text, text, vocabulary)
        # A paragraph that ends in a lead-in, with no bullets after it: its list is the lines that follow. A
        # bullet's wrapped line that ends in a colon ('(Outcome two:') is no lead-in.
        next_line = _next_text(prepared, index)
        if text.endswith(":") and next_line is not None and not clean.split_bullet(next_line)[0] \
                and not clean.is_bullet_only(next_line) and line.page is not None and current.kind == "paragraph" \
                and current.text.count("(") <= current.text.count(")"):
            close()
            listing, listed = True, 0
            continue
        if _is_rating_line(text) and len(current.text.split()) <= 30:
            current.kind = "row"
            close()
        elif _CLOSING.search(text):
            close()
            signature_lines = _SIGNATURE_LINES
    close()
    return blocks


def _next_text(lines: list[Line], index: int) -> str | None:
    for line in lines[index + 1:]:
        if line.text.strip():
            return line.text.strip()
    return None


def _standalone(lines: list[Line], index: int) -> bool:
    before = lines[index - 1].text.strip() if index > 0 else ""
    after = lines[index + 1].text.strip() if index + 1 < len(lines) else ""
    return not before and not after


def _prepare(lines: list[Line]) -> list[Line]:
    """Split flattened lists and tab-separated cells into lines of their own; strip markup."""
    out: list[Line] = []
    for line in lines:
        text = clean.strip_markup(line.text)
        if line.kind is not None:
            out.append(Line(text, line.page, line.heading_level, line.kind))
            continue
        if re.fullmatch(r"[\s\-|:_=]*", text) and text.strip():
            continue  # '--  ---': what is left of a table rule
        cells = [cell for cell in text.split("\t")] if "\t" in text else [text]
        if len(cells) > 1:
            # 'Subject:\tOutcome of ...' is one field; 'Theme\tStrengths: ...' is a heading and its text.
            first, rest = cells[0].strip(), " ".join(c.strip() for c in cells[1:])
            if first.endswith(":"):
                cells = [f"{first} {rest}"]
            else:
                out.append(Line("", line.page))
                out.append(Line(first, line.page, line.heading_level if line.heading_level else 2 if _looks_like_heading(first) else None))
                out.append(Line("", line.page))
                cells = [rest]
        for cell in cells:
            for part in clean.split_inline_bullets(cell):
                out.append(Line(part, line.page, line.heading_level))
    return out
