"""The Microsoft Teams adapter: Microsoft 365 Agents SDK handlers over the chat service, AI messages with
citations, streamed answers."""
