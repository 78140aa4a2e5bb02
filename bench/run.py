"""`make bench`: speed at one and ten times ../shared/corpus, on embedded Chroma and on a Chroma server, and
the dev set's quality figures.

For each scale and store: ingest from scratch in a child process (wall time, pages/s, chunks/s, peak
memory), then ask every dev question warm in another child process (p50/p95, peak memory). Beside them, the
embedding model's own speed on the corpus's chunks, which is the ceiling for ingest. At 1x on the embedded
store it also times an unchanged re-ingest, ingests ../shared/badfiles and scores dev.jsonl.

    python bench/run.py [--scales 1,10] [--stores embedded,server] [--rounds 5] [--out FILE]
"""
from __future__ import annotations

import argparse
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
CORPUS = SHARED / "corpus"
DEV = SHARED / "eval" / "dev.jsonl"
sys.path.insert(0, str(ROOT))


@dataclasses.dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    returncode: int
    stdout: str
    stderr: str


def run_child(args: list[str], env: dict[str, str]) -> Run:
    """A child process, timed, with its own peak resident memory (not the bench's)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, usage.ru_maxrss / 1024, process.returncode, out.read(), err.read())


def reviewbot(args: list[str], env: dict[str, str]) -> Run:
    return run_child([sys.executable, "-m", "bot.cli", *args], env)


def build_corpus(scale: int, where: Path) -> Path:
    """`scale` copies of the corpus under distinct folders, so each is a document of its own."""
    if scale == 1:
        return CORPUS
    target = where / f"corpus-{scale}x"
    for n in range(1, scale + 1):
        shutil.copytree(CORPUS, target / f"copy-{n:02d}")
    return target


def start_chroma_server(path: Path) -> tuple[subprocess.Popen, int]:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import start_chroma

    return start_chroma(path)


def peak_rss_mb_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def embedding_model_speed(sample: int = 400) -> dict:
    """MiniLM alone on the corpus's own chunks (as ingest embeds them): the ceiling for ingest speed."""
    from ingest.chunking import chunk_document, document_key
    from ingest.embeddings import MiniLMEmbedder
    from ingest.parse import read_document
    from ingest.pipeline import discover

    texts: list[str] = []
    counter = MiniLMEmbedder().count_tokens
    for root, path in discover([CORPUS]):
        source = path.relative_to(root).as_posix()
        try:
            chunks = chunk_document(read_document(path, source), document_key(str(root), source), counter)
        except Exception:
            continue
        texts.extend(f"{c.header()}\n{c.text}" for c in chunks)
    texts = texts[:sample]
    pieces = sum(min(counter(t), 256) for t in texts)
    report = {"chunks": len(texts), "mean_word_pieces": round(pieces / len(texts), 1)}
    for precision in ("float32", "auto"):
        embedder = MiniLMEmbedder(precision)
        embedder.embed(texts[:16])  # loads the model
        started = time.perf_counter()
        embedder.embed(texts)
        seconds = time.perf_counter() - started
        label = "bfloat16" if embedder.uses_bfloat16 else "float32"
        report[f"{precision}_as_{label}_chunks_per_s"] = round(len(texts) / seconds, 1)
    return report


def measure_questions(rounds: int) -> None:
    """In a child process: open the bot on REVIEWBOT_DATA_DIR / CHROMA_HOST, then time warm questions."""
    from bot.service import ReviewBot
    from bot.settings import Settings

    started = time.perf_counter()
    bot = ReviewBot(Settings.from_env(env_file=None))
    opened = time.perf_counter() - started
    questions = [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line.strip()]
    bot.ask(questions[0])  # the first question loads the model
    latencies = sorted(bot.ask(q).timings_ms["total"] for _ in range(rounds) for q in questions)
    print(json.dumps({"open_s": round(opened, 1), "questions": len(latencies),
                      "p50_ms": round(statistics.median(latencies), 1),
                      "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1)}))


def bench_store(store: str, scale: int, corpus: Path, work: Path, rounds: int) -> dict:
    data_dir = work / f"data-{store}-{scale}x"
    env = {"REVIEWBOT_DATA_DIR": str(data_dir), "CHROMA_HOST": "", "CHROMA_PORT": ""}
    server = None
    if store == "server":
        server, port = start_chroma_server(work / f"chroma-{scale}x")
        env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port))
    try:
        ingest = reviewbot(["ingest", str(corpus)], env)
        assert ingest.returncode == 0, ingest.stderr[-2000:]
        status = json.loads(reviewbot(["status", "--json"], env).stdout)
        questions = run_child([sys.executable, str(Path(__file__)), "--questions", "--rounds", str(rounds)], env)
        assert questions.returncode == 0, questions.stderr[-2000:]
        latency = json.loads(questions.stdout.strip().splitlines()[-1])
        result = {
            "store": store, "scale": scale, "documents": status["documents"], "pages": status["pages"],
            "chunks": status["chunks"], "ingest_s": round(ingest.seconds, 1),
            "ingest_pages_per_s": round(status["pages"] / ingest.seconds, 1),
            "ingest_chunks_per_s": round(status["chunks"] / ingest.seconds, 1),
            "ingest_peak_rss_mb": round(ingest.peak_rss_mb),
            "bot_open_s": latency["open_s"], "questions": latency["questions"],
            "warm_p50_ms": latency["p50_ms"], "warm_p95_ms": latency["p95_ms"],
            "bot_peak_rss_mb": round(questions.peak_rss_mb),
        }
        if server is not None:
            result["chroma_server_peak_rss_mb"] = round(peak_rss_mb_of(server.pid))
        if store == "embedded" and scale == 1:
            result.update(quality_and_upkeep(corpus, env, work))
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)


def quality_and_upkeep(corpus: Path, env: dict[str, str], work: Path) -> dict:
    again = reviewbot(["ingest", str(corpus)], env)
    bad = reviewbot(["ingest", str(SHARED / "badfiles")], {**env, "REVIEWBOT_DATA_DIR": str(work / "bad")})
    scored = reviewbot(["eval", str(DEV)], env)
    return {"reingest_unchanged_s": round(again.seconds, 1), "badfiles_exit_status": bad.returncode,
            "dev_eval": json.loads(scored.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10")
    parser.add_argument("--stores", default="embedded,server")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", type=Path, help="Also write the report here (JSON).")
    parser.add_argument("--questions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.questions:
        measure_questions(args.rounds)
        return

    work = Path(tempfile.mkdtemp(prefix="reviewbot-bench-"))
    try:
        report = {"machine": {"cpus": os.cpu_count()}, "embedding_model": embedding_model_speed(), "runs": []}
        print(json.dumps(report["embedding_model"]), file=sys.stderr, flush=True)
        for scale in (int(s) for s in args.scales.split(",")):
            corpus = build_corpus(scale, work)
            for store in args.stores.split(","):
                result = bench_store(store, scale, corpus, work, args.rounds)
                print(json.dumps(result), file=sys.stderr, flush=True)
                report["runs"].append(result)
        text = json.dumps(report, indent=2)
        print(text)
        if args.out:
            args.out.write_text(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
