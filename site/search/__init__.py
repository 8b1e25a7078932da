"""Site search: one analysis, three ways to answer a query.

- `index`: how text becomes search terms (normalising, stop words, stemming per language), the
  documents of each language (real translations plus the English pages a language falls back to),
  and the Whoosh index that live search (`sds-site serve`) ranks with.
- `query`: turning any string into a bounded query (length, words, wildcard expansion), lay words and
  synonyms, "Did you mean", and the ranking steps shared by live and static search.
- `static_index`: the compact, sharded index the static build publishes for `static/js/search.js`:
  the same vocabulary and the same per-term scores as the Whoosh index, so both answer alike.

`search_service(app)` returns the app's `SearchService`, which builds each language's index on first
use (in memory: a few hundred pages take well under a second) and keeps it for the app's lifetime.
"""
from __future__ import annotations

from .index import SearchService
from .index import search_service

__all__ = ["SearchService", "search_service"]
