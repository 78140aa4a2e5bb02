"""Retrieve, answer with verified citations, and speak to people."""
