"""Markdown for the site: markdown-it-py with a few small, documented extensions.

Extensions (see `content/README.md` for the author's view):
- headings get stable ids from their text (`## What is SDS?` -> `what-is-sds`), or an explicit
  `{#id}` at the end of the heading (translations keep the English ids this way);
- `::: callout`, `::: warning` and `::: contact` blocks;
- Easy Read pictures: a paragraph that starts with `![text](pic:NAME)` becomes an "idea" row with
  the picture beside the words, each source line on its own line;
- links to `*.md` files and to site routes (`/find/`) are resolved at render time by a resolver
  passed in `env`, so one parsed page renders correctly for every language.
Raw HTML in content is switched off: content cannot inject markup, scripts or styles.
"""
from __future__ import annotations

import re
from copy import copy
import unicodedata
from collections.abc import Callable
from html import escape

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin

PICTURE_PREFIX = "pic:"
EXPLICIT_ID = re.compile(r"\s*\{#([a-z0-9]+(?:-[a-z0-9]+)*)\}\s*$")
BLOCKS = ("callout", "warning", "contact")


def slugify(text: str) -> str:
    """Make a heading id: lower-case ASCII words joined by hyphens (accents folded)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[a-z0-9]+", folded.lower().replace("'", "").replace("\u2019", ""))
    return "-".join(words) or "section"


def _explicit_heading_ids(state: StateCore) -> None:
    """`## Heading {#id}` sets the heading's id and removes the marker from its text."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[i + 1]
        match = EXPLICIT_ID.search(inline.content)
        if not match:
            continue
        token.attrSet("id", match.group(1))
        inline.content = inline.content[: match.start()]
        if inline.children and inline.children[-1].type == "text":
            last = inline.children[-1]
            last.content = EXPLICIT_ID.sub("", last.content)


def _easy_read_ideas(state: StateCore) -> None:
    """Mark paragraphs that begin with a `pic:` picture as Easy Read ideas."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "paragraph_open" or token.hidden:
            continue
        inline = tokens[i + 1]
        children = inline.children or []
        if not children or children[0].type != "image":
            continue
        image = children[0]
        src = image.attrGet("src") or ""
        if not src.startswith(PICTURE_PREFIX):
            continue
        token.meta["picture"] = {"name": src[len(PICTURE_PREFIX):], "alt": image.content}
        rest = children[1:]
        if rest and rest[0].type == "text":
            rest[0].content = rest[0].content.lstrip()
        while rest and rest[0].type == "softbreak":
            rest = rest[1:]
        inline.children = rest
        for close in tokens[i + 2:]:
            if close.type == "paragraph_close":
                close.meta["idea"] = True
                break


def _render_block(name: str) -> Callable:
    def render(self, tokens, idx, options, env):
        token = tokens[idx]
        if token.nesting == -1:
            return "</address>\n" if name == "contact" else "</div>\n"
        if name == "contact":
            return '<address class="c-contact">\n'
        label = env.get("labels", {}).get(name, "")
        heading = f'<p class="c-callout__label">{escape(label)}</p>\n' if label else ""
        return f'<div class="c-callout c-callout--{name}">\n{heading}'
    return render


def make_parser() -> MarkdownIt:
    """The one Markdown parser the site uses (parse once, render per language)."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.core.ruler.push("explicit_heading_ids", _explicit_heading_ids)
    anchors_plugin(md, min_level=1, max_level=6, slug_func=slugify, permalink=False)
    md.core.ruler.push("easy_read_ideas", _easy_read_ideas)
    for name in BLOCKS:
        container_plugin(md, name, render=_render_block(name))

    def paragraph_open(self, tokens, idx, options, env):
        picture = tokens[idx].meta.get("picture")
        if not picture:
            return self.renderToken(tokens, idx, options, env)
        src = env["picture_url"](picture["name"])
        return (
            '<div class="c-idea">'
            f'<img class="c-idea__picture" src="{escape(src)}" alt="{escape(picture["alt"])}"'
            ' width="64" height="64">'
            '<p class="c-idea__text">'
        )

    def paragraph_close(self, tokens, idx, options, env):
        if tokens[idx].meta.get("idea"):
            return "</p></div>\n"
        return self.renderToken(tokens, idx, options, env)

    def softbreak(self, tokens, idx, options, env):
        return "<br>\n" if env.get("easy_read") else "\n"

    def link_open(self, tokens, idx, options, env):
        # Parsed tokens are shared by every language's render: resolve on a copy, never in place.
        token = copy(tokens[idx])
        token.attrs = dict(token.attrs)
        token.attrSet("href", env["resolve_link"](token.attrGet("href") or ""))
        return self.renderToken([token], 0, options, env)

    def table_open(self, tokens, idx, options, env):
        return '<div class="c-table"><table>\n'

    def table_close(self, tokens, idx, options, env):
        return "</table></div>\n"

    md.add_render_rule("paragraph_open", paragraph_open)
    md.add_render_rule("paragraph_close", paragraph_close)
    md.add_render_rule("softbreak", softbreak)
    md.add_render_rule("link_open", link_open)
    md.add_render_rule("table_open", table_open)
    md.add_render_rule("table_close", table_close)
    return md


def walk_inline(tokens: list[Token], base_line: int):
    """Yield (token, line) for every inline child, with its 1-based line in the file.

    `base_line` is the file line of the body's first line. Children carry no line map of their own,
    so the line is the block's first line plus the line breaks seen before the child.
    """
    for token in tokens:
        if token.type != "inline" or not token.map:
            continue
        line = base_line + token.map[0]
        for child in token.children or []:
            yield child, line
            if child.type in ("softbreak", "hardbreak"):
                line += 1


def text_blocks(tokens: list[Token], base_line: int) -> list[tuple[int, str, str]]:
    """Plain text of each block as (line, kind, text); kind is heading, paragraph or item."""
    blocks = []
    kind = "paragraph"
    in_item = 0
    for i, token in enumerate(tokens):
        if token.type == "list_item_open":
            in_item += 1
        elif token.type == "list_item_close":
            in_item -= 1
        elif token.type == "heading_open":
            kind = "heading"
        elif token.type == "paragraph_open":
            kind = "item" if in_item else "paragraph"
        elif token.type == "inline" and token.map:
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append("\n")
            text = "".join(parts).strip()
            if text:
                blocks.append((base_line + token.map[0], kind, text))
            kind = "paragraph"
    return blocks
