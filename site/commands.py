"""Subcommands beyond build/check/serve; each module adds a function that registers its parser."""
from __future__ import annotations

REGISTRARS: list = []
