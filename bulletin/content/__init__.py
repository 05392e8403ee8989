"""The content model: source files become parsed records, then validated, typed records."""
