"""Subcommands beyond build/check/serve; each module adds a function that registers its parser."""
from __future__ import annotations

from . import i18n
from . import leaflets
from . import publish
from .views import data

REGISTRARS: list = [i18n.register, leaflets.register, data.register, publish.register]
