"""Every setting reviewbot reads, from the environment and `.env`, in one place."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from dotenv import dotenv_values


def environment(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The process environment over the values in `.env` (the process wins, as python-dotenv does).
    Settings are read from this; so is the Teams SDK's own configuration."""
    file_values = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
    return {**{k: v for k, v in file_values.items() if v is not None}, **os.environ}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    chroma_host: str | None
    chroma_port: int
    embeddings: str  # "minilm" (offline default) or "openai"
    embedding_model: str
    embedding_precision: str  # MiniLM's: "auto" (bfloat16 where the CPU has it), "float32" or "bfloat16"
    llm: str  # "none", "openai" or "azure"
    llm_model: str
    openai_base_url: str | None
    openai_api_key: str | None
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None
    slack_api_url: str | None
    llm_timeout: float  # seconds for one call to the model
    llm_retries: int
    llm_context_window: int
    llm_source_tokens: int  # how much retrieved text the model is given
    azure_endpoint: str | None
    azure_deployment: str | None
    azure_api_key: str | None
    azure_api_version: str
    slack_answer_bots: bool  # answer messages from other bots too
    access_file: Path  # which Slack channels may see which document collections
    index_refresh_seconds: float  # how often a running bot looks for documents ingested since it started

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> "Settings":
        env = environment(env_file)
        return cls(
            data_dir=Path(env.get("REVIEWBOT_DATA_DIR") or "./data"),
            chroma_host=env.get("CHROMA_HOST") or None,
            chroma_port=int(env.get("CHROMA_PORT") or 8000),
            embeddings=(env.get("REVIEWBOT_EMBEDDINGS") or "minilm").lower(),
            embedding_model=env.get("REVIEWBOT_EMBEDDING_MODEL") or "text-embedding-3-small",
            embedding_precision=(env.get("REVIEWBOT_EMBEDDING_PRECISION") or "auto").lower(),
            llm=(env.get("REVIEWBOT_LLM") or "none").lower(),
            llm_model=env.get("REVIEWBOT_LLM_MODEL") or "gpt-4o-mini",
            openai_base_url=env.get("OPENAI_BASE_URL") or None,
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            slack_bot_token=env.get("SLACK_BOT_TOKEN") or None,
            slack_signing_secret=env.get("SLACK_SIGNING_SECRET") or None,
            slack_app_token=env.get("SLACK_APP_TOKEN") or None,
            slack_api_url=env.get("SLACK_API_URL") or None,
            llm_timeout=float(env.get("REVIEWBOT_LLM_TIMEOUT") or 30),
            llm_retries=int(env.get("REVIEWBOT_LLM_RETRIES") or 2),
            llm_context_window=int(env.get("REVIEWBOT_LLM_CONTEXT_WINDOW") or 8192),
            llm_source_tokens=int(env.get("REVIEWBOT_LLM_SOURCE_TOKENS") or 2500),
            azure_endpoint=env.get("AZURE_OPENAI_ENDPOINT") or None,
            azure_deployment=env.get("AZURE_OPENAI_DEPLOYMENT") or None,
            azure_api_key=env.get("AZURE_OPENAI_API_KEY") or env.get("OPENAI_API_KEY") or None,
            azure_api_version=env.get("OPENAI_API_VERSION") or "2024-10-21",
            slack_answer_bots=(env.get("REVIEWBOT_SLACK_ANSWER_BOTS") or "").lower() in ("1", "true", "yes"),
            access_file=Path(env.get("REVIEWBOT_ACCESS_FILE")
                             or Path(env.get("REVIEWBOT_DATA_DIR") or "./data") / "access.toml"),
            index_refresh_seconds=float(env.get("REVIEWBOT_INDEX_REFRESH_SECONDS") or 60),
        )
