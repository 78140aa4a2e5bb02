"""The prompt files, shipped with the package as `reviewbot_prompts` (see pyproject.toml)."""
