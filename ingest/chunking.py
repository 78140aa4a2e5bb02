"""Cut a document's blocks into chunks that follow its structure and fit the embedding model."""
from __future__ import annotations

import hashlib
from typing import Callable

from index import tuning
from index.records import SECTION_SEPARATOR, Chunk
from index.text import BULLET_PREFIX, split_sentences

from .document import Block, Document


def document_key(root: str, source: str) -> str:
    return hashlib.sha1(f"{root}\n{source}".encode()).hexdigest()[:16]


def chunk_document(document: Document, key: str, count_tokens: Callable[[str], int],
                   max_tokens: int | None = None) -> list[Chunk]:
    max_tokens = max_tokens or tuning.MAX_CHUNK_TOKENS
    pieces: list[tuple[Block, str]] = []  # (block, line of chunk text)
    for block in document.blocks:
        if block.kind == "heading":
            if block.text != document.title:
                pieces.append((block, block.text))
            continue
        prefix = BULLET_PREFIX if block.kind == "bullet" else ""
        if count_tokens(block.text) <= max_tokens:
            pieces.append((block, prefix + block.text))
            continue
        # A block too long for one chunk is cut between sentences, never inside one.
        part = ""
        for sentence in split_sentences(block.text):
            candidate = f"{part} {sentence}".strip()
            if part and count_tokens(candidate) > max_tokens:
                pieces.append((block, prefix + part))
                part = sentence
            else:
                part = candidate
        if part:
            pieces.append((block, prefix + part))

    chunks: list[Chunk] = []
    lines: list[str] = []
    first: Block | None = None  # the first block with content; headings alone don't make a chunk
    size = 0

    def flush():
        nonlocal lines, first, size
        if lines and first is not None:
            section = [s for s in first.section if s != document.title]
            chunks.append(Chunk(
                id=f"{key}:{len(chunks)}", source=document.source, text="\n".join(lines), page=first.page,
                section=SECTION_SEPARATOR.join(section), title=document.title, council=document.council,
                date=document.date, doc_type=document.doc_type, years=document.years, topics=document.topics,
                months=document.months, ocr=first.page in document.ocr_pages,
            ))
            lines, first, size = [], None, 0

    for block, line in pieces:
        tokens = count_tokens(line)
        is_heading = block.kind == "heading"
        if first is not None and (is_heading or block.section != first.section or block.page != first.page
                                  or size + tokens > max_tokens):
            flush()
        if not is_heading and first is None:
            first = block
        lines.append(line)
        size += tokens
    flush()
    return chunks
