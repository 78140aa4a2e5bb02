"""The page view: a citation's page with its quote highlighted, opened from a signed link (see bot/links.py)."""
