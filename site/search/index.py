"""How text becomes search terms, what is indexed per language, and the Whoosh index live search uses.

Analysis (the same for pages, for queries and, through the static index, for search.js):
1. words are runs of letters, digits and combining marks, with apostrophes inside a word kept
   (`won't`, `PA's`, Ukrainian `п'ять`);
2. each word is normalised: lower case, accents and other marks removed (NFKD), a few letters folded
   (Polish ł -> l, Arabic and Urdu letter forms to one form, Arabic-Indic digits to 0-9), apostrophes
   dropped; words of one letter are ignored (single digits are kept: "Option 1");
   the result is the word's *surface* form, which is what search.js looks up;
3. stop words are dropped and the surface is stemmed where the language has a stemmer: English uses
   Snowball (Porter 2); Gaelic, Polish and Ukrainian have none in Whoosh, so they are matched on the
   folded surface form; Arabic and Urdu are not stemmed (Whoosh's ISRI stemmer over-conflates short
   words), only their letter forms are unified. Any other language uses Whoosh's stemmer if it has one.

Documents: each language's index holds every page in that language: its real translations, and for
pages not translated yet the English page (marked `fallback`, analysed as English in `*_en` fields,
because its words are English). Fields: title, summary, headings, body and the glossary terms a
page links to, weighted by FIELD_BOOSTS.

Lay words, synonyms, extra stop words and suffix rules are data: `synonyms.yml`.
"""
from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import Counter
from collections import OrderedDict
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from functools import lru_cache
from pathlib import Path

import yaml
from whoosh import fields as wf
from whoosh.analysis import Filter
from whoosh.analysis import Token
from whoosh.analysis import Tokenizer
from whoosh.analysis import STOP_WORDS
from whoosh.filedb.filestore import RamStorage
from whoosh.scoring import BM25F

from ..content import EASY_READ
from ..content import STANDARD
from ..content import VARIANTS
from ..content import Content
from ..content import parse_link
from ..markdown import walk_inline

PACKAGE = Path(__file__).resolve().parent
DATA_FILE = PACKAGE / "synonyms.yml"
# Bump when the analysis changes in a way the source files' hash would not show (never so far).
ANALYSIS_VERSION = "1"
MAX_SURFACE = 40  # longer "words" (a pasted address, a run of letters) are ignored on both sides
APOSTROPHES = "'\u2019\u02bc"
GLOSSARY = "glossary"
# Languages whose Whoosh stemmer is not used (see the module docstring).
NOT_STEMMED = {"ar", "ur"}

# Field weights: a word in a page's title says far more about the page than one in its body.
FIELD_BOOSTS: dict[str, float] = {"title": 5.0, "summary": 2.0, "headings": 2.0, "terms": 1.5, "body": 1.0}
FALLBACK_SUFFIX = "_en"

# Letters folded after marks are removed. search.js holds the same table (tests compare them).
FOLDS = {
    "\u0142": "l", "\u0111": "d", "\u00f8": "o", "\u0131": "i", "\u00df": "ss", "\u00e6": "ae", "\u0153": "oe",
    # Arabic and Urdu: one form for yeh, kaf and heh; teh marbuta as heh; no tatweel.
    "\u0649": "\u064a", "\u06cc": "\u064a", "\u06a9": "\u0643", "\u06c1": "\u0647", "\u0629": "\u0647",
    "\u06c3": "\u0647", "\u06be": "\u0647", "\u0640": "",
}
FOLDS.update({a: "" for a in APOSTROPHES})
FOLDS.update({chr(0x0660 + i): str(i) for i in range(10)})  # Arabic-Indic digits
FOLDS.update({chr(0x06F0 + i): str(i) for i in range(10)})  # Extended (Persian and Urdu) digits
_FOLD_TABLE = str.maketrans(FOLDS)


class SearchDataError(ValueError):
    """synonyms.yml is malformed; the message names the file, the place and the fix."""


# --- analysis -------------------------------------------------------------------------------------
def _ranges(inside: list[bool]) -> str:
    """A regular-expression character class body for the code points where `inside` is true."""
    out, start = [], None
    for cp, flag in enumerate(inside + [False]):
        if flag and start is None:
            start = cp
        elif not flag and start is not None:
            out.append(f"\\U{start:08x}" if start == cp - 1 else f"\\U{start:08x}-\\U{cp - 1:08x}")
            start = None
    return "".join(out)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern, re.Pattern]:
    """Words: letters, digits and marks (search.js: [\\p{L}\\p{N}\\p{M}]); parts: letters and digits."""
    majors = [c[0] for c in map(unicodedata.category, map(chr, range(0x110000)))]
    word = _ranges([c in "LNM" for c in majors])
    letters_digits = _ranges([c in "LN" for c in majors])
    raw = re.compile(f"[{word}]+(?:[{APOSTROPHES}][{word}]+)*")
    split = re.compile(f"[^{letters_digits}]+")
    return raw, split


@lru_cache(maxsize=65536)
def normalise(word: str) -> str:
    """Lower case, marks removed, letters folded, apostrophes dropped (one raw word)."""
    text = unicodedata.normalize("NFKD", word.lower())
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))
    return text.translate(_FOLD_TABLE)


def keep(surface: str) -> bool:
    return 0 < len(surface) <= MAX_SURFACE and (len(surface) > 1 or "0" <= surface <= "9")


def surface_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, surface) for every word of `text`; start and end index the original text."""
    raw, split = _patterns()
    for match in raw.finditer(text):
        for part in split.split(normalise(match.group())):
            if keep(part):
                yield match.start(), match.end(), part


@lru_cache(maxsize=8192)
def cached_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """surface_spans() remembered per text: live search highlights the same page bodies again and
    again, and finding their words was most of the time a search took."""
    return tuple(surface_spans(text))


def surfaces(text: str) -> list[str]:
    return [s for _, _, s in surface_spans(text)]


class Analysis:
    """One language's surface -> term step: stop words and stemming."""

    def __init__(self, lang: str, stopwords: frozenset[str], stem: Callable[[str], str] | None):
        self.lang = lang
        self.stopwords = stopwords
        self.stem = stem
        self._cache: dict[str, str | None] = {}

    def term(self, surface: str) -> str | None:
        """The indexed term for a surface form, or None for a stop word."""
        try:
            return self._cache[surface]
        except KeyError:
            pass
        term = None
        if surface not in self.stopwords:
            term = self.stem(surface) if self.stem else surface
            term = term if keep(term) else surface
        if len(self._cache) < 200_000:
            self._cache[surface] = term
        return term

    def terms(self, text: str) -> list[str]:
        return [t for t in (self.term(s) for s in surfaces(text)) if t]

    def analyzer(self):
        return SurfaceTokenizer() | TermFilter(self)


class SurfaceTokenizer(Tokenizer):
    """Whoosh tokenizer yielding surface forms with their character positions (for highlighting)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for start, end, surface in cached_spans(value):
            token.text = surface
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = pos
                pos += 1
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class TermFilter(Filter):
    """Whoosh filter applying an `Analysis` (stop words, stemming) to surface tokens."""

    def __init__(self, analysis: Analysis):
        self.analysis = analysis

    def __eq__(self, other):
        return isinstance(other, TermFilter) and other.analysis.lang == self.analysis.lang

    def __call__(self, tokens):
        for token in tokens:
            term = self.analysis.term(token.text)
            if term is None:
                if token.removestops:
                    continue
                token.stopped = True
            else:
                token.text = term
            yield token


# --- per-language data: lay words and synonyms, extra stop words, suffix rules --------------------
@dataclass(frozen=True)
class SynonymGroup:
    words: tuple[str, ...]  # what people type
    means: str  # the site's own words for it


@dataclass(frozen=True)
class LanguageData:
    stopwords: frozenset[str] = frozenset()
    suffixes: tuple[tuple[str, str], ...] = ()
    synonyms: tuple[SynonymGroup, ...] = ()


def _check_strings(value, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SearchDataError(f"{DATA_FILE.name}: {where} must be a list of words or phrases. "
                              "Fix: write it as [word, another word]")
    return value


@lru_cache(maxsize=4)
def load_language_data(path: Path = DATA_FILE) -> dict[str, LanguageData]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise SearchDataError(f"{path.name}: not valid YAML ({exc})") from exc
    if not isinstance(raw, dict):
        raise SearchDataError(f"{path.name}: expected one block per language code (en:, gd:, ...)")
    out = {}
    for lang, block in raw.items():
        if not isinstance(block, dict) or set(block) - {"stopwords", "suffixes", "synonyms"}:
            raise SearchDataError(f"{path.name}: {lang}: allowed keys are stopwords, suffixes and synonyms")
        stop = frozenset(s for word in _check_strings(block.get("stopwords", []), f"{lang}.stopwords")
                         for s in surfaces(word))
        suffixes = []
        for rule in block.get("suffixes", []) or []:
            if not (isinstance(rule, list) and len(rule) == 2 and all(isinstance(r, str) for r in rule) and rule[0]):
                raise SearchDataError(f"{path.name}: {lang}.suffixes: each rule is [ending, replacement], "
                                      f"e.g. [ing, e]; got {rule!r}")
            suffixes.append((normalise(rule[0]), normalise(rule[1])))
        groups = []
        for i, group in enumerate(block.get("synonyms", []) or []):
            if not isinstance(group, dict) or set(group) != {"words", "means"} or not isinstance(group["means"], str):
                raise SearchDataError(f"{path.name}: {lang}.synonyms[{i}]: each entry has 'words' (a list) "
                                      "and 'means' (the site's words)")
            groups.append(SynonymGroup(tuple(_check_strings(group["words"], f"{lang}.synonyms[{i}].words")),
                                       group["means"]))
        out[str(lang)] = LanguageData(stop, tuple(suffixes), tuple(groups))
    return out


def make_analysis(lang: str, data: dict[str, LanguageData]) -> Analysis:
    import whoosh.lang

    extra = data.get(lang, LanguageData()).stopwords
    if lang == "en":
        base = set(STOP_WORDS)
    elif whoosh.lang.has_stopwords(lang):
        base = set(whoosh.lang.stopwords_for_language(lang))
    else:
        base = set()
    stop = frozenset(s for word in base for s in surfaces(word)) | extra
    stem = None
    if lang not in NOT_STEMMED and whoosh.lang.has_stemmer(lang):
        stem = whoosh.lang.stemmer_for_language(lang)
    return Analysis(lang, stop, stem)


# --- documents --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Doc:
    num: int
    slug: str
    variant: str
    path: str  # the page's URL path in the index's language
    title: str
    summary: str
    section: str
    fallback: bool  # the English page, shown because the page is not translated yet
    headings: str
    body: str
    terms: str  # glossary terms the page links to
    twin: int  # the doc number of the page's other variant, or -1

    @property
    def easy_read(self) -> bool:
        return self.variant == EASY_READ


def glossary_terms(content: Content, page) -> list[str]:
    """Titles of the glossary entries a page links to (what the page explains)."""
    out: dict[str, None] = {}
    for child, _ in walk_inline(page.tokens, page.body_line):
        if child.type != "link_open":
            continue
        target = parse_link(child.attrGet("href") or "", page.variant)
        if target is None or target.slug != GLOSSARY or not target.anchor:
            continue
        found = content.get(page.lang, target.variant, GLOSSARY)
        if found:
            for _, hid, text in found[0].headings:
                if hid == target.anchor:
                    out[text] = None
    return list(out)


def documents(content: Content, lang: str) -> list[Doc]:
    from ..state import page_path

    entries = []
    for variant in VARIANTS:
        for slug in content.slugs(variant):
            found = content.get(lang, variant, slug)
            if found:
                entries.append((variant, slug, found[0], found[1] and lang != "en"))
    numbers = {(variant, slug): i for i, (variant, slug, _, _) in enumerate(entries)}
    docs = []
    for i, (variant, slug, page, fallback) in enumerate(entries):
        twin = numbers.get((STANDARD if variant == EASY_READ else EASY_READ, slug), -1)
        docs.append(Doc(
            num=i, slug=slug, variant=variant, path=page_path(lang, variant, slug),
            title=page.meta.title, summary=page.meta.summary, section=page.meta.section,
            fallback=fallback, headings="\n".join(text for _, _, text in page.headings),
            body=page.plain_text, terms="\n".join(glossary_terms(content, page)), twin=twin,
        ))
    return docs


# --- the index of one language ---------------------------------------------------------------------
class LanguageIndex:
    """Whoosh index, vocabulary and per-term scores of one language's documents.

    `vocabulary` maps every surface form seen in the documents or in the language's synonyms to its
    terms (one per analysis used: the language's own, and English when English fallback pages are
    indexed; empty for a stop word), most frequent surface first. `scores` maps a term to
    {doc number: score}: the sum over fields of field boost x Whoosh's BM25F score, which is exactly
    what a Whoosh `Term` query per field adds up to (query.live_search relies on this).
    """

    def __init__(self, lang: str, docs: list[Doc], data: dict[str, LanguageData]):
        self.lang = lang
        self.docs = docs
        self.native = make_analysis(lang, data)
        self.english = make_analysis("en", data) if lang != "en" else self.native
        self.has_fallback_fields = lang != "en" and any(d.fallback for d in docs)
        self.analyses = [self.native] + ([self.english] if self.has_fallback_fields else [])
        self.suffixes = data.get(lang, LanguageData()).suffixes
        groups = list(data.get(lang, LanguageData()).synonyms)
        if self.has_fallback_fields:
            # English lay words lead to the English pages shown until a page is translated.
            groups += data["en"].synonyms if "en" in data else ()
        self.fields = dict(FIELD_BOOSTS)
        if self.has_fallback_fields:
            self.fields.update({f + FALLBACK_SUFFIX: b for f, b in FIELD_BOOSTS.items()})
        self.ix = self._index()
        self.vocabulary = self._vocabulary(groups)
        self.synonyms = self._synonyms(groups)
        self.scores = self._scores()
        self.buckets = self._buckets()

    def terms_of(self, surface: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for a in self.analyses if (t := a.term(surface))))

    def field_for(self, doc: Doc, name: str) -> str:
        return name + FALLBACK_SUFFIX if doc.fallback and self.has_fallback_fields else name

    def _index(self):
        spec = {"n": wf.STORED, "variant": wf.ID}
        for name in FIELD_BOOSTS:
            spec[name] = wf.TEXT(analyzer=self.native.analyzer(), phrase=False)
            if self.has_fallback_fields:
                spec[name + FALLBACK_SUFFIX] = wf.TEXT(analyzer=self.english.analyzer(), phrase=False)
        ix = RamStorage().create_index(wf.Schema(**spec))
        writer = ix.writer()
        for doc in self.docs:
            values = {self.field_for(doc, name): getattr(doc, name) for name in FIELD_BOOSTS}
            writer.add_document(n=doc.num, variant=doc.variant, **values)
        writer.commit()
        return ix

    def _vocabulary(self, groups: list[SynonymGroup]) -> dict[str, tuple[str, ...]]:
        counts: Counter[str] = Counter()
        for doc in self.docs:
            for name in FIELD_BOOSTS:
                # the spans the index writer's tokenizer has just found for the same text
                counts.update(surface for _, _, surface in cached_spans(getattr(doc, name)))
        for group in groups:
            for phrase in (*group.words, group.means):
                for surface in surfaces(phrase):
                    counts.setdefault(surface, 0)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return {surface: self.terms_of(surface) for surface, _ in ordered}

    def _synonyms(self, groups: list[SynonymGroup]) -> list[tuple[list[tuple[str, ...]], tuple[str, ...]]]:
        """[(pattern, expansion)]: a pattern is a list of term alternatives per word."""
        out = []
        seen = set()
        for group in groups:
            # `means` may mix the language's words and English ones: every analysis applies to both.
            expansion = tuple(dict.fromkeys(t for s in surfaces(group.means) for t in self.terms_of(s)))
            for phrase in group.words:
                pattern = [alts for s in surfaces(phrase) if (alts := self.terms_of(s))]
                key = (tuple(pattern), expansion)
                if pattern and expansion and key not in seen:
                    seen.add(key)
                    out.append((pattern, expansion))
        return out

    def _scores(self) -> dict[str, dict[int, float]]:
        scores: dict[str, dict[int, float]] = defaultdict(dict)
        with self.ix.searcher(weighting=BM25F()) as searcher:
            reader = searcher.reader()
            numbers = {docnum: fields["n"] for docnum, fields in reader.iter_docs()}
            for name, boost in self.fields.items():
                for term in reader.field_terms(name):
                    matcher = searcher.postings(name, term, weighting=searcher.weighting)
                    while matcher.is_active():
                        n = numbers[matcher.id()]
                        scores[term][n] = scores[term].get(n, 0.0) + boost * matcher.score()
                        matcher.next()
        return dict(scores)

    def _buckets(self) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        from .query import key

        buckets: dict[str, list] = defaultdict(list)
        for surface, terms in self.vocabulary.items():
            buckets[key(surface)].append((surface, terms))
        return dict(buckets)

    # the Vocabulary protocol of query.resolve
    def lookup(self, surface: str) -> tuple[str, ...] | None:
        return self.vocabulary.get(surface)

    def bucket(self, key: str):
        return self.buckets.get(key, ())

    def unknown_synonym_words(self) -> list[str]:
        """Words in the synonyms' `means` that no page uses (a typo there would silently do nothing)."""
        used = set(self.scores)
        out = []
        for _, expansion in self.synonyms:
            out += [t for t in expansion if t not in used]
        return sorted(set(out))


# --- the service an app holds ----------------------------------------------------------------------
def input_digest(content: Content, languages: list[str], data_file: Path = DATA_FILE) -> str:
    """A short hash of everything the index is made from: the published index folder is named after
    it, so a browser never mixes files of two builds."""
    h = hashlib.sha256(ANALYSIS_VERSION.encode())
    for source in sorted(PACKAGE.glob("*.py")):
        h.update(source.read_bytes())
    h.update(data_file.read_bytes())
    h.update(",".join(languages).encode())
    for key_, page in sorted(content.pages.items()):
        h.update(repr(key_).encode())
        h.update(page.raw)
    return h.hexdigest()[:12]


class SearchService:
    """Each language's index, built on first use and kept (thread-safe: waitress serves in threads)."""

    def __init__(self, state, data_file: Path = DATA_FILE):
        self.state = state
        self.data_file = data_file
        self._lock = threading.Lock()
        self._results: OrderedDict = OrderedDict()
        self._indexes: dict[str, LanguageIndex] = {}
        self._static: dict[str, dict[str, bytes]] = {}

    @property
    def languages(self) -> list[str]:
        return self.state.config.language_codes

    @cached_property
    def _language_data(self) -> dict[str, LanguageData]:
        return load_language_data(self.data_file)

    @cached_property
    def digest(self) -> str:
        return input_digest(self.state.content, self.languages, self.data_file)

    def index(self, lang: str) -> LanguageIndex:
        found = self._indexes.get(lang)
        if found is None:
            with self._lock:
                found = self._indexes.get(lang)
                if found is None:
                    found = LanguageIndex(lang, documents(self.state.content, lang), self._language_data)
                    self._indexes[lang] = found
        return found

    def static_files(self, lang: str) -> dict[str, bytes]:
        files = self._static.get(lang)
        if files is None:
            from .static_index import static_files

            files = static_files(self.index(lang))
            with self._lock:
                self._static[lang] = files
        return files

    def index_path(self, lang: str) -> str:
        """The URL folder of a language's static index."""
        return f"/{lang}/search/index/{self.digest}/"

    def search(self, lang: str, text: str, easy_read_only: bool = False, limit: int = 10):
        """Live search. The index never changes while the app runs, so the answers to recent queries
        are kept (at most RESULT_CACHE of them): people ask the same few things ("direct payment")."""
        from .query import live_search

        key = (lang, text, easy_read_only, limit)
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
                return found
        found = live_search(self.index(lang), text, easy_read_only=easy_read_only, limit=limit)
        with self._lock:
            self._results[key] = found
            while len(self._results) > RESULT_CACHE:
                self._results.popitem(last=False)
        return found


RESULT_CACHE = 1024  # recent live queries remembered (each a few KB)


def search_service(app) -> SearchService:
    service = app.extensions.get("sds_search")
    if service is None:
        service = app.extensions["sds_search"] = SearchService(app.extensions["sds"])
    return service
