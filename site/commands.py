"""Subcommands beyond build/check/serve; each module adds a function that registers its parser."""
from __future__ import annotations

from . import i18n

REGISTRARS: list = [i18n.register]
