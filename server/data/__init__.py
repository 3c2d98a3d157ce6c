"""Language data (YAML): prompts, routine scripts, phrases, safety patterns, help lines."""
