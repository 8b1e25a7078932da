"""finder.yamlio: libyaml's speed where it parses, PyYAML's own words where it does not."""
import pytest
import yaml

from finder import yamlio

GOOD = "title: The four options\norder: 2\nsources:\n  - https://www.gov.scot/\nupdated: 2026-11-22\n"
BAD = "title: The four options\nsummary: a: b\norder: 2\n"


def test_valid_yaml_gives_the_same_data_as_pyyaml_and_nodes_with_lines():
    node, data = yamlio.node_and_data(GOOD)
    assert data == yaml.safe_load(GOOD)
    assert [(key.value, key.start_mark.line) for key, _ in node.value] == [
        ("title", 0), ("order", 1), ("sources", 2), ("updated", 4)]


def test_invalid_yaml_raises_pyyamls_own_message():
    with pytest.raises(yaml.YAMLError) as expected:
        yaml.load(BAD, Loader=yaml.SafeLoader)
    with pytest.raises(yaml.YAMLError) as got:
        yamlio.node_and_data(BAD)
    assert str(got.value) == str(expected.value)
    assert got.value.problem_mark.line == 1


def test_an_empty_document_is_none():
    assert yamlio.node_and_data("") == (None, None)


def test_the_fast_parser_is_used_when_pyyaml_has_libyaml():
    assert yamlio._FAST is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
