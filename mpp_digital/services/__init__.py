"""The rules of the domain, in plain Python (no reflex)."""
