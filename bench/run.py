"""`make bench`: speed at one and ten times ../shared/corpus (or, with NATIONAL, at 1x and at ../shared/corpus
plus a national folder of reports), on embedded Chroma and on a Chroma server, and the dev set's quality.

For each size and store: ingest from scratch in a child process (wall time, pages/s, chunks/s, peak
memory) and again with nothing changed; a cold `reviewbot ask` and the time until the Slack and Teams bots
answer /healthz; then at least 100 questions asked warm in another child process (p50/p95, peak memory).
Beside them, the embedding model's own speed on the corpus's chunks, which is the ceiling for ingest. At 1x
on the embedded store it also ingests ../shared/badfiles and scores dev.jsonl. The figures are printed as
one table, sizes side by side.

    python bench/run.py [--scales 1,10] [--national PATH] [--stores embedded,server] [--engines E,...]
                        [--rounds 3] [--out FILE]
    python bench/run.py --index DATA_DIR     # the bot on an index already built, without ingesting

Each size runs what ships (`auto`: ingest and questions on the engines this machine chooses) on each store,
and beside it, on the embedded store, each MiniLM engine forced for both; the report begins with the CPU's
features (AVX2, AVX-512, bfloat16) and the engines `auto` chose.
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
DEV_USERS = SHARED / "eval" / "dev_users.jsonl"
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


def build_corpus(scale: str, where: Path, national: Path | None) -> list[Path]:
    """The folders to ingest: the corpus; `scale` copies of it under distinct folders, so each is a document
    of its own; or the corpus and the national folder."""
    if scale == "1":
        return [CORPUS]
    if scale == "national":
        return [CORPUS, national]
    target = where / f"corpus-{scale}x"
    for n in range(1, int(scale) + 1):
        shutil.copytree(CORPUS, target / f"copy-{n:02d}")
    return [target]


def start_chroma_server(path: Path) -> tuple[subprocess.Popen, int]:
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import start_chroma

    return start_chroma(path)


def peak_rss_mb_of(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def engines_to_compare() -> list[str]:
    """Every MiniLM engine this machine runs at its own speed: torch in bfloat16 only where the CPU has it in
    hardware (elsewhere it is emulated, slower than float32)."""
    from index.embeddings import bfloat16_is_native

    return (["torch-bfloat16"] if bfloat16_is_native() else []) + ["torch-float32", "onnx-float32", "onnx-int8"]


def embedding_model_speed(folders: list[Path], models_dir: Path, engines: list[str], sample: int = 400) -> dict:
    """MiniLM alone on the corpus's own chunks (as ingest embeds them), on each engine: the ceiling for
    ingest speed."""
    from index.embeddings import MiniLMEmbedder
    from ingest.chunking import chunk_document, document_key
    from ingest.parse import read_document
    from ingest.pipeline import discover

    texts: list[str] = []
    counter = MiniLMEmbedder().count_tokens
    files = discover(folders)
    # An even spread over the folders' files, not only the first few.
    for root, path in files[::max(1, len(files) // 40)]:
        source = path.relative_to(root).as_posix()
        try:
            chunks = chunk_document(read_document(path, source), document_key(str(root), source), counter)
        except Exception:
            continue
        texts.extend(f"{c.header()}\n{c.text}" for c in chunks[:20])
        if len(texts) >= sample:
            break
    texts = texts[:sample]
    pieces = sum(min(counter(t), 256) for t in texts)
    report = {"chunks": len(texts), "mean_word_pieces": round(pieces / len(texts), 1), "chunks_per_s": {}}
    for engine in engines:
        embedder = MiniLMEmbedder(engine, models_dir)
        embedder.embed(texts[:16])  # loads the model
        started = time.perf_counter()
        embedder.embed(texts)
        report["chunks_per_s"][engine] = round(len(texts) / (time.perf_counter() - started), 1)
    return report


def machine() -> dict:
    from index.embeddings import chosen_engine, cpu_features

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown")
    return {"cpus": os.cpu_count(), "cpu": model, "features": sorted(cpu_features()),
            "auto_ingest_engine": chosen_engine("auto", for_ingest=True),
            "auto_question_engine": chosen_engine("auto", for_ingest=False)}


def bench_questions(councils: list[str]) -> list[str]:
    """The dev questions, and questions of the same shapes about the councils indexed: at least 100."""
    questions = [json.loads(line)["question"] for line in DEV.read_text().splitlines() if line.strip()]
    topics = ["caseloads", "care leavers", "management oversight", "the quality of assessments",
              "children missing from education", "the front door"]
    for n, council in enumerate(councils):
        questions.append(f"What did the latest inspection of {council} say about {topics[n % len(topics)]}?")
        questions.append(f"How did {council} support {topics[(n + 3) % len(topics)]}?")
        if len(questions) >= 120:
            break
    return questions


def measure_questions(rounds: int) -> None:
    """In a child process: open the bot on REVIEWBOT_DATA_DIR / CHROMA_HOST, then time warm questions."""
    from bot.core.service import ReviewBot
    from bot.settings import Settings

    started = time.perf_counter()
    bot = ReviewBot(Settings.from_env(env_file=None))
    opened = time.perf_counter() - started
    questions = bench_questions(sorted(bot.retriever.catalog.councils))
    bot.ask(questions[0])  # the first question loads the model
    latencies = sorted(bot.ask(q).timings_ms.total for _ in range(rounds) for q in questions)
    print(json.dumps({"open_s": round(opened, 1), "questions": len(latencies),
                      "p50_ms": round(statistics.median(latencies), 1),
                      "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1], 1), **steering(bot)}))


def steering(bot) -> dict:
    """For every council indexed, 'What did the latest inspection of X say about care leavers?': are the
    first five passages all X's, and is the first citation from X's newest inspection report?"""
    catalog = bot.retriever.catalog
    councils = sorted({d.council for d in catalog.documents if d.council and "inspection" in d.topics})
    own = latest = 0
    for council in councils:
        answer = bot.ask(f"What did the latest inspection of {council} say about care leavers?")
        own += all(catalog.canonical(r.council) == council for r in answer.retrieved[:5])
        newest = catalog.newest_reports({council}, {"inspection"})  # both places of a report kept twice
        latest += bool(answer.citations) and answer.citations[0].source in newest
    return {"councils": len(councils), "top5_all_own_council": round(own / max(1, len(councils)), 3),
            "latest_cited": round(latest / max(1, len(councils)), 3)}


def seconds_until_healthy(args: list[str], port: int, env: dict[str, str]) -> float:
    """Start a bot and time it until GET /healthz answers 200 (the index open, the model loaded)."""
    import httpx

    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, env={**os.environ, **env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < 120:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    return round(time.perf_counter() - started, 1)
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        return float("nan")
    finally:
        process.terminate()
        process.wait(timeout=30)


def readiness(env: dict[str, str]) -> dict:
    from conftest import free_port

    from tests.fake_slack import FakeSlack

    slack_port, teams_port = free_port(), free_port()
    cold = reviewbot(["ask", "--json", "What did the inspection say about care leavers?"], env)
    # The Slack bot checks its token with Slack when it starts: a local stand-in for Slack's Web API answers.
    slack_api = FakeSlack()
    try:
        chat_env = {**env, "SLACK_BOT_TOKEN": "xoxb-bench", "SLACK_SIGNING_SECRET": "bench", "SLACK_APP_TOKEN": "",
                    "SLACK_API_URL": slack_api.url}
        slack_ready = seconds_until_healthy(["slack", "--http", "--port", str(slack_port)], slack_port, chat_env)
    finally:
        slack_api.close()
    return {"ask_cold_s": round(cold.seconds, 1), "slack_ready_s": slack_ready,
            "teams_ready_s": seconds_until_healthy(["teams", "--port", str(teams_port)], teams_port, env)}


def bench_store(store: str, scale: str, folders: list[Path], work: Path, rounds: int, engine: str,
                keep: bool = False) -> dict:
    """One size on one store with one MiniLM engine (`auto`: ingest's and the questions' engines as this
    machine chooses them). A server run whose embedded run was kept serves that run's files (`chroma run`
    reads an embedded store as it is) instead of ingesting everything again: at national scale that is half
    an hour saved, and the questions are asked of the same index."""
    embedded_dir = work / f"data-embedded-{scale}-{engine}"
    reuse = store == "server" and embedded_dir.is_dir()
    data_dir = embedded_dir if reuse else work / f"data-{store}-{scale}-{engine}"
    env = {"REVIEWBOT_DATA_DIR": str(data_dir), "CHROMA_HOST": "", "CHROMA_PORT": "",
           "REVIEWBOT_EMBEDDING_ENGINE": engine, "REVIEWBOT_MODELS_DIR": str(work / "models")}
    server = None
    if store == "server":
        server, port = start_chroma_server(data_dir / "chroma" if reuse else work / f"chroma-{scale}")
        env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(port))
    try:
        ingest = None if reuse else reviewbot(["ingest", *map(str, folders)], env)
        assert ingest is None or ingest.returncode in (0, 2), ingest.stderr[-2000:]  # HTML pages named .pdf fail
        again = reviewbot(["ingest", *map(str, folders)], env)
        result = {"store": store, "scale": scale, "engine": engine, **measure_index(env, rounds)}
        if ingest is not None:
            result.update({
                "ingest_s": round(ingest.seconds, 1), "ingest_failed_files": ingest.stdout.count("│ failed"),
                "ingest_pages_per_s": round(result["pages"] / ingest.seconds, 1),
                "ingest_chunks_per_s": round(result["chunks"] / ingest.seconds, 1),
                "ingest_peak_rss_mb": round(ingest.peak_rss_mb)})
        result["reingest_unchanged_s"] = round(again.seconds, 1)
        if server is not None:
            result["chroma_server_peak_rss_mb"] = round(peak_rss_mb_of(server.pid))
        if store == "embedded" and scale == "1":
            result.update(quality(env, work))
            result["dev"] = _figures(result["dev_eval"])
            result["dev_users"] = _figures(result["dev_users_eval"])
        return result
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not keep:
            shutil.rmtree(data_dir, ignore_errors=True)


def measure_index(env: dict[str, str], rounds: int) -> dict:
    """What the bot does on an index already built: its size, a cold ask, the bots' start, warm questions
    and the bot's memory."""
    status = json.loads(reviewbot(["status", "--json"], env).stdout)
    ready = readiness(env)
    questions = run_child([sys.executable, str(Path(__file__)), "--questions", "--rounds", str(rounds)], env)
    assert questions.returncode == 0, questions.stderr[-2000:]
    latency = json.loads(questions.stdout.strip().splitlines()[-1])
    return {"documents": status["documents"], "pages": status["pages"], "chunks": status["chunks"],
            "bot_open_s": latency["open_s"], **ready, "questions": latency["questions"],
            "warm_p50_ms": latency["p50_ms"], "warm_p95_ms": latency["p95_ms"],
            "steering_councils": latency["councils"], "steering_top5_all_own_council": latency["top5_all_own_council"],
            "steering_latest_cited": latency["latest_cited"], "bot_peak_rss_mb": round(questions.peak_rss_mb)}


def quality(env: dict[str, str], work: Path) -> dict:
    bad = reviewbot(["ingest", str(SHARED / "badfiles")], {**env, "REVIEWBOT_DATA_DIR": str(work / "bad")})
    figures = {"badfiles_exit_status": bad.returncode}
    for name, questions in (("dev", DEV), ("dev_users", DEV_USERS)):
        scored = reviewbot(["eval", str(questions)], env)
        figures[f"{name}_eval"] = json.loads(scored.stdout.strip().splitlines()[-1])
    return figures


def _figures(summary: dict) -> str:
    return " / ".join(str(summary.get(k)) for k in ("recall_at_5", "mrr", "cited", "false_abstain", "points"))


ROWS = [("MiniLM engine (ingest, questions)", "engines"), ("documents", "documents"), ("pages", "pages"),
        ("chunks", "chunks"), ("ingest, from scratch (s)", "ingest_s"),
        ("pages/s", "ingest_pages_per_s"), ("chunks/s", "ingest_chunks_per_s"),
        ("… as a share of the model's own speed", "share_of_model_speed"),
        ("ingest peak memory (MB)", "ingest_peak_rss_mb"), ("files that failed", "ingest_failed_files"),
        ("re-ingest, nothing changed (s)", "reingest_unchanged_s"),
        ("Chroma server peak memory (MB)", "chroma_server_peak_rss_mb"),
        ("bot: open the index (s)", "bot_open_s"), ("`reviewbot ask`, cold (s)", "ask_cold_s"),
        ("Slack bot ready (s)", "slack_ready_s"), ("Teams bot ready (s)", "teams_ready_s"),
        ("questions asked warm", "questions"), ("warm p50 (ms)", "warm_p50_ms"), ("warm p95 (ms)", "warm_p95_ms"),
        ("bot peak memory (MB)", "bot_peak_rss_mb"),
        ("councils asked 'the latest inspection of X'", "steering_councils"),
        ("… first five passages all X's", "steering_top5_all_own_council"),
        ("… first citation from X's newest report", "steering_latest_cited"),
        ("dev.jsonl: recall@5 / MRR / cited / false abstain / points", "dev"),
        ("dev_users.jsonl: the same", "dev_users")]


def side_by_side(runs: list[dict]) -> str:
    """The runs as one Markdown table, a column each."""
    head = "| | " + " | ".join(f"{r['scale']}{'x' if r['scale'].isdigit() else ''} {r['store']}, {r['engine']}"
                               for r in runs) + " |"
    lines = [head, "|---" * (len(runs) + 1) + "|"]
    for label, key in ROWS:
        lines.append(f"| {label} | " + " | ".join(str(r.get(key, "")) for r in runs) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", help="copies of the corpus, e.g. 1,10 (default: 1,10; with --national: 1)")
    parser.add_argument("--national", type=Path, help="a folder of reports to ingest beside the corpus")
    parser.add_argument("--stores", default="embedded,server")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", help="MiniLM engines to run beside auto (default: every one this machine "
                                          "runs at its own speed)")
    parser.add_argument("--out", type=Path, help="Also write the report here (JSON).")
    parser.add_argument("--index", type=Path, help="Measure the bot on this data folder's index as it is "
                        "(cold ask, the bots' start, warm questions, memory), without ingesting.")
    parser.add_argument("--questions", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.questions:
        measure_questions(args.rounds)
        return

    sys.path.insert(0, str(ROOT / "tests"))
    if args.index:
        env = {"REVIEWBOT_DATA_DIR": str(args.index.resolve()), "CHROMA_HOST": "", "CHROMA_PORT": ""}
        print(json.dumps({"machine": machine(), "index": str(args.index), **measure_index(env, args.rounds)},
                         indent=2))
        return
    scales = (args.scales or ("1" if args.national else "1,10")).split(",")
    if args.national:
        scales.append("national")
    engines = args.engines.split(",") if args.engines else engines_to_compare()
    work = Path(tempfile.mkdtemp(prefix="reviewbot-bench-"))
    try:
        from index.embeddings import chosen_engine

        ceiling_on = [CORPUS, args.national] if args.national else [CORPUS]
        report = {"machine": machine(), "embedding_model": embedding_model_speed(ceiling_on, work / "models", engines),
                  "runs": []}
        print(json.dumps(report, indent=2), file=sys.stderr, flush=True)
        speeds = report["embedding_model"]["chunks_per_s"]
        for scale in scales:
            folders = build_corpus(scale, work, args.national)
            stores = args.stores.split(",")
            # What ships ('auto') on every store; each engine forced, on the embedded store, beside it.
            plan = [(store, "auto") for store in stores] + [("embedded", engine) for engine in engines]
            for store, engine in plan:
                # At national scale the server serves the embedded run's index rather than ingest it again.
                keep = store == "embedded" and engine == "auto" and "server" in stores
                result = bench_store(store, scale, folders, work, args.rounds, engine, keep)
                ingest_engine = chosen_engine(engine, for_ingest=True)
                result["engines"] = f"{ingest_engine}, {chosen_engine(engine, for_ingest=False)}"
                if "ingest_chunks_per_s" in result and ingest_engine in speeds:
                    result["share_of_model_speed"] = round(result["ingest_chunks_per_s"] / speeds[ingest_engine], 2)
                print(json.dumps(result), file=sys.stderr, flush=True)
                report["runs"].append(result)
        text = json.dumps(report, indent=2)
        print(text)
        print(side_by_side(report["runs"]))
        if args.out:
            args.out.write_text(text + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
