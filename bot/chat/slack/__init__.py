"""The Slack adapter: bolt listeners over the chat service, Block Kit replies, streamed answers."""
