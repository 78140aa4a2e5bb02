"""Where a quote's words are in a page's text.

A citation's quote is the cleaned text (whitespace normalised, words hyphenated across lines joined, bullets
"• ", running headers and footers dropped), and a PDF page's characters are as printed. Both are compared as
their letters and digits alone, lower-cased and NFKC-folded ("ﬁ" is "fi"), so that line breaks, hyphens,
bullets and spacing don't count. A quote that a page's footer and the next page's header interrupt is found
in pieces: the longest piece of it that is in the text, then the next piece close after it, and so on."""
from __future__ import annotations

import unicodedata

from index import tuning

_PUNCTUATION = ".,;:!?)]\u201d\u2019'\""


def folded(text: str) -> tuple[str, list[int]]:
    """The text's letters and digits, lower-cased, and where each one is in `text`."""
    letters: list[str] = []
    where: list[int] = []
    for index, character in enumerate(text):
        for part in unicodedata.normalize("NFKC", character):
            if part.isalnum():
                letters.append(part.lower())
                where.append(index)
    return "".join(letters), where


def find_quote(quote: str, text: str) -> list[tuple[int, int]]:
    """The spans (start, end) of `text` that hold the quote, in order; none when it isn't there."""
    wanted, _ = folded(quote)
    have, where = folded(text)
    if not wanted:
        return []
    pieces = _pieces(wanted, have)
    if pieces is None:
        return []
    spans = [(where[start], where[end - 1] + 1) for start, end in pieces]
    # The quote's closing punctuation ('.', ').') is highlighted with it, where the text has it too.
    closing = len(quote) - len(quote.rstrip(_PUNCTUATION))
    start, end = spans[-1]
    while closing and end < len(text) and text[end] in _PUNCTUATION:
        end, closing = end + 1, closing - 1
    return spans[:-1] + [(start, end)]


def _pieces(wanted: str, have: str) -> list[tuple[int, int]] | None:
    whole = have.find(wanted)
    if whole >= 0:
        return [(whole, whole + len(wanted))]
    pieces: list[tuple[int, int]] = []
    done = 0  # how much of the quote is found
    after = 0  # where in the text the next piece may start
    while done < len(wanted):
        rest = len(wanted) - done
        # A short last piece (the end of a sentence after a page break) is taken only close after the last one.
        shortest = min(tuning.QUOTE_PIECE_LETTERS, rest)
        limit = len(have) if not pieces else min(len(have), after + tuning.QUOTE_GAP_LETTERS + rest)
        length, start = _longest_prefix(wanted[done:], have, after, limit, shortest)
        if start < 0 or (pieces and start - after > tuning.QUOTE_GAP_LETTERS):
            return None
        pieces.append((start, start + length))
        done += length
        after = start + length
    return pieces


def _longest_prefix(wanted: str, have: str, after: int, limit: int, shortest: int) -> tuple[int, int]:
    """The longest beginning of `wanted`, at least `shortest` long, found in have[after:limit], and where; a
    shorter beginning is found wherever a longer one is, so the length is searched by halves."""
    if have.find(wanted[:shortest], after, limit) < 0:
        return 0, -1
    low, high = shortest, len(wanted)
    while low < high:
        middle = (low + high + 1) // 2
        if have.find(wanted[:middle], after, limit) >= 0:
            low = middle
        else:
            high = middle - 1
    return low, have.find(wanted[:low], after, limit)
