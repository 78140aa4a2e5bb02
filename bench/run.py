"""`make bench`: the issue's speed and quality targets, measured on ../shared.

Ingests the whole corpus into a fresh data folder (timed), re-ingests it unchanged (timed), asks every dev
question warm several times (p50/p95), and scores the dev set with the same figures as score.py."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("REVIEWBOT_SHARED", ROOT.parent / "shared"))
ROUNDS = 5


def cli(args: list[str], data_dir: Path) -> tuple[float, subprocess.CompletedProcess]:
    env = {**os.environ, "REVIEWBOT_DATA_DIR": str(data_dir)}
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    return time.perf_counter() - started, result


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from bot.service import ReviewBot
    from bot.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix="reviewbot-bench-"))
    try:
        corpus = SHARED / "corpus"
        first, result = cli(["ingest", str(corpus)], data_dir)
        assert result.returncode == 0, result.stderr
        again, result = cli(["ingest", str(corpus)], data_dir)
        assert result.returncode == 0, result.stderr
        started = time.perf_counter()
        from ingest.pipeline import discover, file_sha256
        for _, path in discover([corpus]):
            file_sha256(path)
        hashing = time.perf_counter() - started

        bad_dir = data_dir / "bad"
        _, bad = cli(["ingest", str(SHARED / "badfiles")], bad_dir)

        settings = dataclasses.replace(Settings.from_env(env_file=None), data_dir=data_dir)
        bot = ReviewBot(settings)
        questions = [json.loads(l)["question"] for l in (SHARED / "eval/dev.jsonl").read_text().splitlines() if l.strip()]
        bot.ask(questions[0])  # the first question loads the model
        latencies = []
        for _ in range(ROUNDS):
            for question in questions:
                latencies.append(bot.ask(question).timings_ms["total"])
        latencies.sort()

        from bot.evaluate import run_eval

        summary = json.loads(list(run_eval(bot, SHARED / "eval/dev.jsonl"))[-1])
        report = {
            "ingest_corpus_s": round(first, 1),
            "reingest_unchanged_s": round(again, 1),
            "reingest_hashing_only_s": round(hashing, 2),
            "badfiles_exit_status": bad.returncode,
            "warm_questions": len(latencies),
            "warm_p50_ms": round(statistics.median(latencies), 1),
            "warm_p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1),
            "dev_eval": summary,
        }
        print(json.dumps(report, indent=2))
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
