"""Pure-Python finder: geography, directory and signposting rules (no Flask)."""
