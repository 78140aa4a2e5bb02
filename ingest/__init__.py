"""Load, clean, chunk and index review documents."""
