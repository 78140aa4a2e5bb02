"""What every chat platform shares: the incoming question, the chat-neutral reply, the stored answers and votes,
follow-up history and retried events. The Slack and Teams adapters stand on it and never import each other."""
