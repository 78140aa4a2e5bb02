"""The bot: the answering core (core/), the chat adapters over it (chat/), and here the command line, its
settings, status, facts table and evaluation."""
