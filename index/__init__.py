"""What ingest writes and the bot reads: the records, the store, the keyword index and sentence vectors, the
embedding model, the text tools, council names and the tuned numbers. It imports neither ingest nor bot."""
