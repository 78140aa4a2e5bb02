"""The language model, through llama-index's integrations: any OpenAI-compatible endpoint, or Azure OpenAI."""
from __future__ import annotations

from typing import Iterator

from ..settings import Settings


class LLMConfigError(Exception):
    """The LLM settings are incomplete."""


def make_llm(settings: Settings):
    """The configured model, or None for extractive answers only. Temperature 0; the OpenAI client retries
    timeouts, rate limits and server errors with backoff before giving up."""
    if settings.llm == "none":
        return None
    common = dict(temperature=0.0, max_retries=settings.llm_retries, timeout=settings.llm_timeout)
    if settings.llm == "openai":
        from llama_index.llms.openai_like import OpenAILike

        extra = {"api_base": settings.openai_base_url} if settings.openai_base_url else {}
        return OpenAILike(model=settings.llm_model, api_key=settings.openai_api_key or "none", is_chat_model=True,
                          context_window=settings.llm_context_window, **extra, **common)
    if settings.llm == "azure":
        from llama_index.llms.azure_openai import AzureOpenAI

        if not (settings.azure_endpoint and settings.azure_deployment):
            raise LLMConfigError("REVIEWBOT_LLM=azure needs AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_DEPLOYMENT")
        return AzureOpenAI(model=settings.llm_model, engine=settings.azure_deployment,
                           azure_endpoint=settings.azure_endpoint, api_key=settings.azure_api_key,
                           api_version=settings.azure_api_version, **common)
    raise LLMConfigError(f"unknown REVIEWBOT_LLM '{settings.llm}': use none, openai or azure")


def _messages(system: str, user: str) -> list:
    from llama_index.core.llms import ChatMessage

    return [ChatMessage(role="system", content=system), ChatMessage(role="user", content=user)]


def chat(llm, system: str, user: str) -> str:
    response = llm.chat(_messages(system, user))
    return (response.message.content or "").strip()


def chat_stream(llm, system: str, user: str) -> Iterator[str]:
    """The model's answer as it is written, piece by piece."""
    for response in llm.stream_chat(_messages(system, user)):
        if response.delta:
            yield response.delta
