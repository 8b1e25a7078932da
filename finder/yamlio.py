"""Reading YAML fast, with the same error messages everywhere.

Every build parses the content's front matter, the directory and the rules. libyaml's C parser
(PyYAML's CSafeLoader, in PyYAML's wheels) does that several times faster than PyYAML's own
Python parser. When a file does not parse, it is parsed again with PyYAML's own parser, whose
exception is the one raised: problems then name the same line with the same words whether or
not libyaml is present.
"""
from __future__ import annotations

from typing import Any

import yaml

_FAST = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse(text: str, loader_class) -> tuple[yaml.Node | None, Any]:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def node_and_data(text: str) -> tuple[yaml.Node | None, Any]:
    """The node tree (for line numbers) and the data of one document, from one parse."""
    try:
        return _parse(text, _FAST)
    except yaml.YAMLError:
        return _parse(text, yaml.SafeLoader)  # raises PyYAML's own, portable message
