"""Late chunking against embedding each sentence on its own: what each costs at ingest and what each gives
on a question set, over an index already built (README, "Sentence vectors").

    python -m bench.sentence_vectors QUESTIONS.jsonl [MORE.jsonl ...]     (REVIEWBOT_DATA_DIR: the index)

Both kinds of vectors are made for every sentence of the index; the questions are asked with each in turn.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from bot.core.service import ReviewBot
from bot.evaluate import _hits
from bot.settings import Settings
from index.sentence_vectors import embedded_text, sentence_spans


def make_vectors(bot: ReviewBot, late: bool) -> tuple[np.ndarray, float]:
    """Every sentence's vector, document by document as ingest makes them, and the seconds it took."""
    chunks = bot.keyword.chunks
    rows: list[list[float]] = []
    started = time.perf_counter()
    for start in range(0, len(chunks), 64):
        batch = chunks[start:start + 64]
        _, parts = bot.store.embedder.embed_with_parts([embedded_text(c) for c in batch],
                                                       [sentence_spans(c) for c in batch], late=late)
        rows.extend(v for vectors in parts for v in vectors)
    return np.array(rows, dtype=np.float32), time.perf_counter() - started


def score(bot: ReviewBot, questions: list[dict]) -> dict:
    found = cited = false_abstain = answerable = unanswerable = abstained = 0
    reciprocal = 0.0
    for q in questions:
        a = bot.ask(q["question"]).to_dict()
        if not q["answerable"]:
            unanswerable += 1
            abstained += a["abstained"]
            continue
        answerable += 1
        rank = next((i for i, p in enumerate(a["retrieved"][:5], 1) if _hits(p, q["expected"])), None)
        found += rank is not None
        reciprocal += 1 / rank if rank else 0.0
        cited += any(_hits(c, q["expected"]) for c in a["citations"])
        false_abstain += a["abstained"]
    n = max(1, answerable)
    return {"recall_at_5": round(found / n, 3), "mrr": round(reciprocal / n, 3), "cited": round(cited / n, 3),
            "false_abstain": round(false_abstain / n, 3),
            "abstain_correct": round(abstained / unanswerable, 3) if unanswerable else None}


def main() -> None:
    questions = [json.loads(line) for path in sys.argv[1:] for line in Path(path).read_text().splitlines()
                 if line.strip()]
    bot = ReviewBot(Settings.from_env())
    bot.warm_up()
    kept = bot.keyword.sentence_vectors
    results = {}
    for name, late in (("late chunking", True), ("each sentence alone", False)):
        vectors, seconds = make_vectors(bot, late)
        bot.keyword.sentence_vectors = vectors
        results[name] = {"seconds": round(seconds, 1), "sentences": len(vectors),
                         "sentences_per_s": round(len(vectors) / seconds, 1), **score(bot, questions)}
        print(json.dumps({name: results[name]}), flush=True)
    bot.keyword.sentence_vectors = kept
    chunks_seconds = time.perf_counter()
    bot.store.embedder.embed([embedded_text(c) for c in bot.keyword.chunks])
    print(json.dumps({"chunks alone": {"seconds": round(time.perf_counter() - chunks_seconds, 1),
                                       "chunks": len(bot.keyword.chunks)}}))


if __name__ == "__main__":
    main()
