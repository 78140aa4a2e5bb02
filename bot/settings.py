"""Every setting reviewbot reads, from the environment and `.env`, in one place (pydantic-settings).

A value that can't be used stops the program with one line that names the setting and what it accepts."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from dotenv import dotenv_values
from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting has a value reviewbot can't use; the message names it and what it accepts."""


def environment(env_file: str | Path | None = ".env") -> dict[str, str]:
    """The process environment over the values in `.env` (the process wins, as python-dotenv does).
    The Teams SDK reads its own configuration from this."""
    file_values = dotenv_values(env_file) if env_file and Path(env_file).is_file() else {}
    return {**{k: v for k, v in file_values.items() if v is not None}, **os.environ}


def _setting(default, name: str, accepts: str):
    return Field(default, validation_alias=name, description=accepts)


class Settings(BaseSettings):
    # Empty values ('CHROMA_HOST=' as .env.example has it) mean "not set".
    model_config = SettingsConfigDict(env_file=".env", env_ignore_empty=True, extra="ignore",
                                      validate_default=True)

    data_dir: Path = _setting(Path("./data"), "REVIEWBOT_DATA_DIR", "a folder")
    chroma_host: str | None = _setting(None, "CHROMA_HOST", "a host name; empty for the embedded store")
    chroma_port: int = _setting(8000, "CHROMA_PORT", "a port number (1-65535)")
    embeddings: Literal["minilm", "openai"] = _setting("minilm", "REVIEWBOT_EMBEDDINGS", "minilm or openai")
    embedding_model: str = _setting("text-embedding-3-small", "REVIEWBOT_EMBEDDING_MODEL", "a model name")
    embedding_retries: int = _setting(2, "REVIEWBOT_EMBEDDING_RETRIES", "a whole number, 0 or more")
    # MiniLM's engine: "auto" (for ingest torch bfloat16 where the CPU has it in hardware, else onnxruntime;
    # for questions onnxruntime float32), or one of them for every job
    embedding_engine: Literal["auto", "torch-bfloat16", "torch-float32", "onnx-float32", "onnx-int8"] = _setting(
        "auto", "REVIEWBOT_EMBEDDING_ENGINE", "auto, torch-bfloat16, torch-float32, onnx-float32 or onnx-int8")
    # Where MiniLM's ONNX files are made from the shipped weights (once); unset: DATA_DIR/models
    models_dir: Path | None = _setting(None, "REVIEWBOT_MODELS_DIR", "a folder")
    llm: Literal["none", "openai", "azure"] = _setting("none", "REVIEWBOT_LLM", "none, openai or azure")
    llm_model: str = _setting("gpt-4o-mini", "REVIEWBOT_LLM_MODEL", "a model name")
    openai_base_url: str | None = _setting(None, "OPENAI_BASE_URL", "a URL")
    openai_api_key: str | None = _setting(None, "OPENAI_API_KEY", "a key")
    slack_bot_token: str | None = _setting(None, "SLACK_BOT_TOKEN", "a token (xoxb-...)")
    slack_signing_secret: str | None = _setting(None, "SLACK_SIGNING_SECRET", "the app's signing secret")
    slack_app_token: str | None = _setting(None, "SLACK_APP_TOKEN", "an app-level token (xapp-...)")
    slack_api_url: str | None = _setting(None, "SLACK_API_URL", "a URL")
    llm_timeout: float = _setting(30.0, "REVIEWBOT_LLM_TIMEOUT", "seconds, more than 0")
    llm_retries: int = _setting(2, "REVIEWBOT_LLM_RETRIES", "a whole number, 0 or more")
    llm_context_window: int = _setting(8192, "REVIEWBOT_LLM_CONTEXT_WINDOW", "a number of tokens")
    # How much retrieved text the model is given
    llm_source_tokens: int = _setting(2500, "REVIEWBOT_LLM_SOURCE_TOKENS", "a number of tokens, 200 or more")
    azure_endpoint: str | None = _setting(None, "AZURE_OPENAI_ENDPOINT", "a URL")
    azure_deployment: str | None = _setting(None, "AZURE_OPENAI_DEPLOYMENT", "a deployment name")
    azure_api_key: str | None = _setting(None, "AZURE_OPENAI_API_KEY", "a key")
    azure_api_version: str = _setting("2024-10-21", "OPENAI_API_VERSION", "an API version")
    slack_answer_bots: bool = _setting(False, "REVIEWBOT_SLACK_ANSWER_BOTS", "1 or 0 (true or false)")
    # Which Slack channels / Teams channels may see which document collections; default DATA_DIR/access.toml
    access_file: Path | None = _setting(None, "REVIEWBOT_ACCESS_FILE", "a file")
    # Where the ingested folders are published (an intranet, a SharePoint library): citations link there
    docs_url: str | None = _setting(None, "REVIEWBOT_DOCS_URL", "a URL (http:// or https://)")
    index_refresh_seconds: float = _setting(60.0, "REVIEWBOT_INDEX_REFRESH_SECONDS", "seconds, more than 0")
    # Where reviewbot's own page view is reached (a bot's port, or `reviewbot web`): citations link to it
    public_url: str | None = _setting(None, "REVIEWBOT_PUBLIC_URL", "a URL (http:// or https://)")
    # Signs the page view's links; needed with REVIEWBOT_PUBLIC_URL, and the same for every process serving it
    link_secret: str | None = _setting(None, "REVIEWBOT_LINK_SECRET",
                                       "a secret of 32 characters or more (needed with REVIEWBOT_PUBLIC_URL)")
    # How long a page view's link opens its page: a reference pasted into a report stays checkable that long
    link_days: float = _setting(90.0, "REVIEWBOT_LINK_DAYS", "days, more than 0")

    @field_validator("embeddings", "embedding_engine", "llm", mode="before")
    @classmethod
    def _lower_case(cls, value):
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("chroma_port")
    @classmethod
    def _port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("out of range")
        return value

    @field_validator("docs_url", "public_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("not a web address")
        return value

    @field_validator("link_secret")
    @classmethod
    def _secret(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A short secret can be guessed by trying; without one no link could be checked.
        if value is not None and len(value) < 32:
            raise ValueError("too short")
        if value is None and info.data.get("public_url"):
            raise ValueError("needed with REVIEWBOT_PUBLIC_URL")
        return value

    @field_validator("llm_timeout", "index_refresh_seconds", "link_days")
    @classmethod
    def _positive(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("must be more than 0")
        return value

    @field_validator("llm_retries", "embedding_retries")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("must be 0 or more")
        return value

    @field_validator("llm_source_tokens")
    @classmethod
    def _room_for_a_source(cls, value: int) -> int:
        if value < 200:  # one chunk is up to 200 word pieces
            raise ValueError("too small for one source")
        return value

    @model_validator(mode="after")
    def _files_in_data_dir(self) -> "Settings":
        if self.access_file is None:
            self.access_file = self.data_dir / "access.toml"
        if self.models_dir is None:
            self.models_dir = self.data_dir / "models"
        return self

    @classmethod
    def from_env(cls, env_file: str | Path | None = ".env") -> "Settings":
        """The settings from the environment over `env_file`; SettingsError names any value that can't be used."""
        try:
            return cls(_env_file=env_file if env_file and Path(env_file).is_file() else None)
        except ValidationError as exc:
            raise SettingsError(_explain(exc)) from None

    def with_changes(self, **changes) -> "Settings":
        return self.model_copy(update=changes)


def _explain(error: ValidationError) -> str:
    """'CHROMA_PORT=abc: not accepted; use a port number (1-65535)', one setting a line."""
    lines = []
    for problem in error.errors():
        name = str(problem["loc"][0]) if problem["loc"] else "?"
        # A default that fails its check (a secret missing) is named by its field, a value given by its setting.
        field = Settings.model_fields.get(name) or next(
            (f for f in Settings.model_fields.values() if f.validation_alias == name), None)
        name = field.validation_alias if field is not None else name
        accepts = field.description if field is not None else "another value"
        given = problem.get("input")
        lines.append(f"{name}={'' if given is None else given}: not accepted; use {accepts}")
    return "\n".join(lines)
