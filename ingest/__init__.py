"""Reading documents into the index: load, clean, find the structure and what each document is, chunk, embed
and store. It writes the index and never imports the bot."""
