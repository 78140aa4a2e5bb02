"""The answering core: from a question to a checked, cited Answer. It never imports chat code."""
