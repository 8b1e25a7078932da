"""From any string a person types to ranked pages, safely and in bounded time.

There is no query syntax to get wrong: operators (`AND`, `-`, `field:`), wildcards other than a
trailing `*`, quotes and brackets are just punctuation. A query is cut to MAX_QUERY_CHARS characters
and MAX_WORDS words. Each word is looked up in the index's vocabulary:
1. known: its terms (a stop word has none);
2. `word*` (two letters or more before the star): the MAX_EXPANSIONS most frequent known words
   starting with it;
3. unknown: the language's suffix rules find a known base form ("budgeting" -> "budget");
4. still unknown (and at least four letters): the closest known word with the same first two letters,
   at most one edit away (two for words of seven letters or more), most frequent first. That
   correction is used for the search and offered as "Did you mean ...?".
Then lay words and synonyms (synonyms.yml) add the site's own words at SYNONYM_WEIGHT.

Ranking: a page's score is the sum, over the query's terms, of the term's weight times its
precomputed score for that page (see index.LanguageIndex.scores). Live search lets Whoosh add these up
(a `Term` query per field and term, boosted, in an `Or`); the static index carries the same scores,
rounded to hundredths, and search.js adds them up in integers (weights 10 and 6). `arrange` then does
the same in both: the Easy Read filter, or else Easy Read pages at EASY_READ_FACTOR and a page's two
versions shown once (the better one, with a link to its twin); English pages shown in another
language (not translated yet) at FALLBACK_FACTOR.

search.js implements every step above in the same order; `static_index.StaticSearcher` is its Python
twin, used by the tests and the benchmark.
"""
from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Protocol

from .index import Doc
from .index import LanguageIndex
from .index import _patterns
from .index import keep
from .index import normalise

MAX_QUERY_CHARS = 200
MAX_WORDS = 10
MAX_EXPANSIONS = 8
MAX_TERMS = 48
MIN_CORRECTABLE = 4
WORD_WEIGHT = 10  # integers so that search.js adds up exactly what Python does
SYNONYM_WEIGHT = 6
EASY_READ_FACTOR = 85  # per cent, when both versions are searched
FALLBACK_FACTOR = 80  # per cent, for an English page in another language's search
QUANTUM = 100  # static scores are stored as round(score * QUANTUM)


@dataclass(frozen=True)
class Word:
    surface: str
    wildcard: bool = False


def parse(text: str) -> tuple[list[Word], bool]:
    """The words of a query (normalised surfaces) and whether it was cut short."""
    text = text or ""
    truncated = len(text) > MAX_QUERY_CHARS
    text = text[:MAX_QUERY_CHARS]
    raw, split = _patterns()
    words: list[Word] = []
    for match in raw.finditer(text):
        wildcard = text[match.end():match.end() + 1] == "*"
        parts = [p for p in split.split(normalise(match.group())) if keep(p)]
        for i, part in enumerate(parts):
            word = Word(part, wildcard and i == len(parts) - 1 and len(part) >= 2)
            if word not in words:
                words.append(word)
    if len(words) > MAX_WORDS:
        words, truncated = words[:MAX_WORDS], True
    return words, truncated


def key(surface: str) -> str:
    """The bucket a surface form belongs to: its first two characters."""
    return surface[:2]


def shard_of(bucket_key: str, shards: int) -> int:
    h = 0
    for ch in bucket_key:
        h = (h * 31 + ord(ch)) % shards
    return h


def distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (an adjacent swap costs 1), or limit + 1 if over the limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1] if prev[-1] <= limit else limit + 1


class Vocabulary(Protocol):
    suffixes: tuple[tuple[str, str], ...]

    def lookup(self, surface: str) -> tuple[str, ...] | None: ...

    def bucket(self, key: str) -> Iterable[tuple[str, tuple[str, ...]]]: ...


@dataclass
class Resolved:
    words: list[Word]
    used: list[tuple[str, tuple[str, ...]]]  # per word: the surface searched for and its terms
    corrections: dict[str, str]  # misspelt surface -> the known word used instead
    weights: dict[str, int]  # term -> WORD_WEIGHT or SYNONYM_WEIGHT
    truncated: bool

    @property
    def suggestion(self) -> str | None:
        """The corrected query, when a word was corrected."""
        if not self.corrections:
            return None
        return " ".join(self.corrections.get(w.surface, w.surface) + ("*" if w.wildcard else "")
                        for w in self.words)

    @property
    def empty(self) -> bool:
        return not self.weights


def correct(surface: str, vocab: Vocabulary) -> tuple[str, tuple[str, ...]] | None:
    if len(surface) < MIN_CORRECTABLE:
        return None
    limit = 1 if len(surface) <= 6 else 2
    best = None
    for candidate, terms in vocab.bucket(key(surface)):
        if not terms or len(candidate) < 3 or abs(len(candidate) - len(surface)) > limit:
            continue
        d = distance(surface, candidate, limit)
        if d <= limit and (best is None or d < best[0]):
            best = (d, candidate, terms)
            if d == 1:
                break
    return (best[1], best[2]) if best else None


def resolve(text: str, vocab: Vocabulary, synonyms) -> Resolved:
    words, truncated = parse(text)
    used: list[tuple[str, tuple[str, ...]]] = []
    sequence: list[tuple[str, ...]] = []  # terms per word, stop words left out (for synonyms)
    corrections: dict[str, str] = {}
    weights: dict[str, int] = {}
    for word in words:
        surface, terms = word.surface, None
        if word.wildcard:
            matches = [ts for s, ts in vocab.bucket(key(surface)) if ts and s.startswith(surface)]
            if matches:
                terms = tuple(dict.fromkeys(t for ts in matches[:MAX_EXPANSIONS] for t in ts))
        if terms is None:
            terms = vocab.lookup(surface)
        if terms is None:
            for ending, replacement in vocab.suffixes:
                if surface.endswith(ending) and len(surface) - len(ending) + len(replacement) >= 3:
                    base = surface[: len(surface) - len(ending)] + replacement
                    if key(base) != key(surface):
                        continue  # search.js looks only in the word's own bucket
                    found = vocab.lookup(base)
                    if found:
                        surface, terms = base, found
                        break
        if terms is None:
            fixed = correct(surface, vocab)
            if fixed:
                corrections[word.surface] = fixed[0]
                surface, terms = fixed
        if terms != ():
            sequence.append(terms or ())
        used.append((surface, terms or ()))
        for term in terms or ():
            weights[term] = WORD_WEIGHT
    # Lay words and synonyms: a pattern matches consecutive words (stop words skipped).
    for pattern, expansion in synonyms:
        n = len(pattern)
        for start in range(len(sequence) - n + 1):
            if all(set(sequence[start + i]) & set(pattern[i]) for i in range(n)):
                for term in expansion:
                    weights.setdefault(term, SYNONYM_WEIGHT)
                break
    if len(weights) > MAX_TERMS:
        weights = dict(list(weights.items())[:MAX_TERMS])
    return Resolved(words, used, corrections, weights, truncated)


def arrange(scores: dict[int, float], easy_read: list[bool], fallback: list[bool], twins: list[int],
            easy_read_only: bool) -> list[tuple[int, float]]:
    """Filter or collapse variants and order by score, then document number. A page in the reader's
    language is preferred to an English one shown until it is translated (FALLBACK_FACTOR)."""
    items = []
    for doc, score in scores.items():
        if easy_read_only and not easy_read[doc]:
            continue
        if not easy_read_only:
            score = score * (EASY_READ_FACTOR if easy_read[doc] else 100)
        score = score * (FALLBACK_FACTOR if fallback[doc] else 100)
        items.append((doc, score))
    items.sort(key=lambda item: (-item[1], item[0]))
    if easy_read_only:
        return items
    seen: set[int] = set()
    out = []
    for doc, score in items:
        if doc in seen:
            continue
        seen.update((doc, twins[doc]))
        out.append((doc, score))
    return out


# --- live search (Whoosh) --------------------------------------------------------------------------
@dataclass
class Result:
    doc: Doc
    score: float
    snippet_html: str  # escaped text with <mark> around matches
    twin: Doc | None

    @property
    def snippet(self) -> str:
        return html.unescape(re.sub(r"</?mark>", "", self.snippet_html))


@dataclass
class SearchResults:
    text: str  # the query as searched (cut to MAX_QUERY_CHARS)
    resolved: Resolved
    results: list[Result] = field(default_factory=list)
    total: int = 0

    @property
    def suggestion(self) -> str | None:
        return self.resolved.suggestion


def _formatter():
    from whoosh.highlight import Formatter
    from whoosh.highlight import get_text

    class Mark(Formatter):
        """Matched words in <mark>; all text escaped; fragments joined by an ellipsis."""

        between = " … "

        def _text(self, text):
            return html.escape(text, quote=False)

        def format_token(self, text, token, replace=False):
            return "<mark>" + self._text(get_text(text, token, replace)) + "</mark>"

    return Mark()


def _snippet(index: LanguageIndex, hit, doc: Doc) -> str:
    text = hit.highlights(index.field_for(doc, "body"), text=doc.body, top=2)
    if not text:
        text = hit.highlights(index.field_for(doc, "summary"), text=doc.summary, top=1)
    return text or html.escape(doc.summary, quote=False)


def live_search(index: LanguageIndex, text: str, easy_read_only: bool = False, limit: int = 10) -> SearchResults:
    from whoosh import highlight
    from whoosh.query import Or
    from whoosh.query import Term
    from whoosh.scoring import BM25F

    text = text or ""
    resolved = resolve(text, index, index.synonyms)
    out = SearchResults(text[:MAX_QUERY_CHARS], resolved)
    if resolved.empty:
        return out
    query = Or([Term(name, term, boost=weight * boost)
                for term, weight in resolved.weights.items() for name, boost in index.fields.items()])
    with index.ix.searcher(weighting=BM25F()) as searcher:
        hits = searcher.search(query, limit=None)
        # One or two whole sentences (or headings, list items) holding the matches.
        hits.fragmenter = highlight.SentenceFragmenter(maxchars=240, sentencechars=".!?\n")
        hits.formatter = _formatter()
        by_num = {hit["n"]: hit for hit in hits}
        ranked = arrange({n: hit.score for n, hit in by_num.items()},
                         [d.easy_read for d in index.docs], [d.fallback for d in index.docs],
                         [d.twin for d in index.docs], easy_read_only)
        out.total = len(ranked)
        for n, score in ranked[:limit]:
            doc = index.docs[n]
            twin = index.docs[doc.twin] if doc.twin >= 0 and not easy_read_only else None
            out.results.append(Result(doc, score, _snippet(index, by_num[n], doc), twin))
    return out
