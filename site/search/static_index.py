"""The static build's search index: small JSON files that search.js fetches only as a query needs them.

Published per language at /<lang>/search/index/<digest>/ (the digest changes whenever anything the index
is made from changes, so a browser never mixes two builds' files):

- `meta.json` (fetched with the first query): format version, shard count, the documents
  `[path, title, easy_read 0/1, fallback 0/1, summary, twin]`, the language's suffix rules and its
  synonyms as `[pattern, expansion]` (a pattern is a list of term alternatives per word).
- `<n>.json`, n = shard_of(first two characters, shards): `{"w": [...], "t": {...}}` where
  `w` lists the surface forms of those buckets, most frequent first, each written as `"word"` (its
  term is itself), `["word"]` (a stop word) or `["word", "term", ...]`; and `t` maps each term to
  its postings `[doc, score, doc, score, ...]`, score = round(score x QUANTUM) from the Whoosh index.

A query's words usually fall into one to three shards; the shard count is chosen so that a shard holds
about SURFACES_PER_SHARD words, and every shard file exists (no request ever meets a 404).

`StaticSearcher` answers from these files exactly as search.js does: the tests use it to check that
static and live search agree, and the benchmark to count what a browser downloads.
"""
from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from .index import LanguageIndex
from .query import QUANTUM
from .query import arrange
from .query import key
from .query import resolve
from .query import shard_of

FORMAT = 1
SURFACES_PER_SHARD = 40
MAX_SHARDS = 512
META = "meta.json"


def _dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shard_count(vocabulary_size: int) -> int:
    wanted = max(1, math.ceil(vocabulary_size / SURFACES_PER_SHARD))
    return min(MAX_SHARDS, 1 << (wanted - 1).bit_length())


def static_files(index: LanguageIndex) -> dict[str, bytes]:
    """File name -> content for one language's static index (deterministic: same input, same bytes)."""
    shards = shard_count(len(index.vocabulary))
    words: dict[int, list] = defaultdict(list)
    postings: dict[int, dict] = defaultdict(dict)
    for surface, terms in index.vocabulary.items():
        entry = surface if terms == (surface,) else [surface, *terms]
        words[shard_of(key(surface), shards)].append(entry)
    for term in sorted(index.scores):
        flat = []
        for doc, score in sorted(index.scores[term].items()):
            flat += [doc, max(1, round(score * QUANTUM))]
        postings[shard_of(key(term), shards)][term] = flat
    files = {f"{n}.json": _dumps({"w": words[n], "t": postings[n]}) for n in range(shards)}
    meta = {
        "v": FORMAT,
        "n": shards,
        "docs": [[d.path, d.title, int(d.easy_read), int(d.fallback), d.summary, d.twin] for d in index.docs],
        "suf": [list(rule) for rule in index.suffixes],
        "syn": [[[list(alts) for alts in pattern], list(expansion)] for pattern, expansion in index.synonyms],
    }
    files[META] = _dumps(meta)
    return files


def write(index: LanguageIndex, folder: Path) -> int:
    """Write the files into `folder`; returns the bytes written."""
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, data in static_files(index).items():
        (folder / name).write_bytes(data)
        total += len(data)
    return total


class StaticSearcher:
    """search.js in Python: answers from the static files, loading (and counting) only those it needs."""

    def __init__(self, files):
        """`files`: a folder or a {name: bytes} mapping."""
        if isinstance(files, (str, Path)):
            folder = Path(files)
            self._read = lambda name: (folder / name).read_bytes()
        else:
            self._read = files.__getitem__
        self.loaded: dict[str, int] = {}
        self._cache: dict[str, object] = {}
        meta = self._load(META)
        self.shards = meta["n"]
        self.docs = meta["docs"]
        self.suffixes = tuple(tuple(rule) for rule in meta["suf"])
        self.synonyms = [([tuple(a) for a in pattern], tuple(expansion)) for pattern, expansion in meta["syn"]]

    def _load(self, name: str):
        if name not in self._cache:
            data = self._read(name)
            self.loaded[name] = len(data)
            self._cache[name] = json.loads(data)
        return self._cache[name]

    def _shard(self, bucket_key: str) -> dict:
        return self._load(f"{shard_of(bucket_key, self.shards)}.json")

    # the Vocabulary protocol of query.resolve
    def bucket(self, bucket_key: str):
        for entry in self._shard(bucket_key)["w"]:
            surface, terms = (entry, (entry,)) if isinstance(entry, str) else (entry[0], tuple(entry[1:]))
            if key(surface) == bucket_key:
                yield surface, terms

    def lookup(self, surface: str):
        for candidate, terms in self.bucket(key(surface)):
            if candidate == surface:
                return terms
        return None

    def postings(self, term: str) -> list[int]:
        return self._shard(key(term))["t"].get(term, [])

    def scores(self, text: str) -> tuple[dict[int, int], object]:
        """Each matching document's integer score (before `arrange`), and the resolved query."""
        resolved = resolve(text, self, self.synonyms)
        scores: dict[int, int] = {}
        for term, weight in resolved.weights.items():
            flat = self.postings(term)
            for i in range(0, len(flat), 2):
                scores[flat[i]] = scores.get(flat[i], 0) + weight * flat[i + 1]
        return scores, resolved

    def search(self, text: str, easy_read_only: bool = False):
        """[(doc number, integer score)], best first, and the resolved query."""
        scores, resolved = self.scores(text)
        ranked = arrange(scores, [bool(d[2]) for d in self.docs], [bool(d[3]) for d in self.docs],
                         [d[5] for d in self.docs], easy_read_only)
        return ranked, resolved
