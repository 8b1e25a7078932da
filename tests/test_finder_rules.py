"""The finder's rules: the flow node by node, each condition, validation messages, reachability,
and an acceptance table of real scenarios (tests/finder_scenarios.csv) written from the
directory's sources."""
from __future__ import annotations

import csv
import textwrap
from datetime import date
from pathlib import Path

import pytest

from finder.directory import Directory
from finder.directory import Entry
from finder.directory import Gap
from finder.directory import default_directory
from finder.geo import load_geography
from finder.rules import ALWAYS
from finder.rules import RESULT
from finder.rules import Condition
from finder.rules import RulesError
from finder.rules import Signpost
from finder.rules import answers
from finder.rules import applies
from finder.rules import check_rules
from finder.rules import combinations
from finder.rules import default_rules
from finder.rules import next_node
from finder.rules import next_steps
from finder.rules import organisations
from finder.rules import parse_rules
from finder.rules import signposts_for

SCENARIOS = Path(__file__).parent / "finder_scenarios.csv"
AYR = "S12000028"  # South Ayrshire
SHETLAND = "S12000027"
WHOS = ["myself", "someone-i-care-for", "my-child"]
COMMON_NEEDS = ["understand-options", "ask-for-support", "independent-help", "employ-a-pa",
                "challenge-a-decision", "moving-council"]


@pytest.fixture(scope="module")
def rules():
    return default_rules()


@pytest.fixture(scope="module")
def geography():
    return load_geography()


@pytest.fixture(scope="module")
def directory():
    return default_directory()


def problems(text: str) -> list[str]:
    with pytest.raises(RulesError) as info:
        parse_rules(textwrap.dedent(text), "rules.yml")
    return [str(p) for p in info.value.problems]


MINIMAL = """\
questions:
  who:
    answers: [myself, my-child]
  need:
    answers:
      - understand-options
      - {id: child-only, when: {who: [my-child]}}
results:
  understand-options: [council]
  child-only: [council, children]
signposts:
  - id: council
    kinds: [council-first-contact]
    wording: council-first-contact
  - id: children
    pages: [children-and-families]
    when: {who: [my-child]}
    wording: pages-children
"""


# --- the flow, node by node -------------------------------------------------------------------
def test_after_the_council_comes_who():
    assert next_node("council") == "who"


def test_after_who_comes_the_need():
    assert next_node("who") == "need"


def test_after_the_need_comes_the_result():
    assert next_node("need") == RESULT


def test_an_unknown_node_has_no_next_node():
    with pytest.raises(KeyError):
        next_node("result")


def test_who_offers_three_answers_in_order(rules):
    assert answers(rules, "who", AYR) == ("myself", "someone-i-care-for", "my-child")


def test_carer_support_is_offered_only_to_someone_who_cares_for_someone(rules):
    assert "carer-support" in answers(rules, "need", AYR, "someone-i-care-for")
    assert "carer-support" not in answers(rules, "need", AYR, "myself")
    assert "carer-support" not in answers(rules, "need", AYR, "my-child")


def test_moving_to_adult_services_is_offered_for_my_child_and_myself_only(rules):
    assert "moving-to-adult-services" in answers(rules, "need", AYR, "my-child")
    assert "moving-to-adult-services" in answers(rules, "need", AYR, "myself")
    assert "moving-to-adult-services" not in answers(rules, "need", AYR, "someone-i-care-for")


@pytest.mark.parametrize("who", WHOS)
def test_every_person_is_offered_the_common_needs_in_order(rules, who):
    offered = answers(rules, "need", AYR, who)
    assert [n for n in offered if n in COMMON_NEEDS] == COMMON_NEEDS
    assert len(offered) == 7


def test_applies_rejects_answers_that_are_not_offered(rules):
    assert applies(rules, AYR, "myself", "employ-a-pa")
    assert applies(rules, AYR, "my-child")
    assert not applies(rules, AYR, "myself", "carer-support")
    assert not applies(rules, AYR, "someone-else")
    assert not applies(rules, AYR, "myself", "no-such-need")


def test_a_combination_that_does_not_apply_has_no_signposts(rules):
    assert signposts_for(rules, AYR, "myself", "carer-support") == []


# --- conditions -------------------------------------------------------------------------------
def test_an_empty_condition_matches_everything():
    assert ALWAYS.matches(AYR, "myself")
    assert ALWAYS.matches(None, None)


def test_a_who_condition_matches_only_those_answers():
    condition = Condition(who=frozenset({"my-child"}))
    assert condition.matches(AYR, "my-child")
    assert not condition.matches(AYR, "myself")


def test_a_council_condition_matches_only_those_councils():
    condition = Condition(council=frozenset({AYR}))
    assert condition.matches(AYR, "myself")
    assert not condition.matches(SHETLAND, "myself")


def test_both_parts_of_a_condition_must_match():
    condition = Condition(who=frozenset({"myself"}), council=frozenset({AYR}))
    assert condition.matches(AYR, "myself")
    assert not condition.matches(AYR, "my-child")
    assert not condition.matches(SHETLAND, "myself")


def test_who_conditions_on_signposts_decide_what_a_result_shows(rules):
    def ids(who, need):
        return [s.id for s in signposts_for(rules, AYR, who, need)]

    assert "pages-carers" in ids("someone-i-care-for", "understand-options")
    assert "pages-carers" not in ids("myself", "understand-options")
    assert "pages-children" in ids("my-child", "understand-options")
    assert "pages-children" not in ids("someone-i-care-for", "understand-options")
    assert "carers-centre" in ids("someone-i-care-for", "independent-help")
    assert "carers-centre" not in ids("myself", "independent-help")


def test_signposts_keep_the_order_the_result_lists(rules):
    shown = [s.id for s in signposts_for(rules, AYR, "myself", "challenge-a-decision")]
    assert shown == ["pages-challenging", "council-complaints", "advocacy", "ombudsman", "citizens-advice", "bsl"]


def test_a_council_condition_in_the_rules_file_limits_a_signpost_to_that_council():
    text = MINIMAL.replace("    when: {who: [my-child]}\n    wording: pages-children",
                           f"    when: {{who: [my-child], council: [{AYR}]}}\n    wording: pages-children")
    rules = parse_rules(text)
    assert [s.id for s in signposts_for(rules, AYR, "my-child", "child-only")] == ["council", "children"]
    assert [s.id for s in signposts_for(rules, SHETLAND, "my-child", "child-only")] == ["council"]


# --- organisations from the directory ---------------------------------------------------------
def _entry(entry_id, kind, areas, **extra):
    return Entry(id=entry_id, name=entry_id.replace("-", " ").title(), kind=kind, areas=areas, website=None,
                 sources=["https://example.org/source"], last_checked=date(2026, 11, 1), **extra)


@pytest.fixture
def small_directory(geography):
    entries = [
        _entry("ayr-council", "council-first-contact", [AYR]),
        _entry("ayr-independent", "independent-support", [AYR]),
        _entry("national-helpline", "national-helpline", ["scotland"]),
        _entry("national-advocacy", "advocacy", ["scotland"]),
        _entry("ombudsman", "complaints", ["scotland"]),
    ]
    gaps = [Gap(council=AYR, kind="advocacy", fallback="national-advocacy", note="No local advocacy known yet."),
            Gap(council=SHETLAND, kind="council-first-contact", fallback="national-helpline",
                note="No council contact known yet.")]
    return Directory(entries, gaps, geography)


def test_a_kind_signpost_names_the_councils_local_organisations(small_directory):
    found = organisations(small_directory, AYR, Signpost("s", "w", kinds=("independent-support",)))
    assert [(f.entry.id, f.status) for f in found] == [("ayr-independent", "local")]


def test_a_recorded_gap_names_its_fallback_and_says_it_is_one(small_directory):
    found = organisations(small_directory, AYR, Signpost("s", "w", kinds=("advocacy",)))
    assert [(f.entry.id, f.status, f.gap.kind) for f in found] == [("national-advocacy", "fallback", "advocacy")]


def test_a_national_kind_names_the_national_services(small_directory):
    found = organisations(small_directory, AYR, Signpost("s", "w", kinds=("complaints",)))
    assert [(f.entry.id, f.status) for f in found] == [("ombudsman", "national")]


def test_an_entry_signpost_names_that_entry(small_directory):
    found = organisations(small_directory, SHETLAND, Signpost("s", "w", entries=("ombudsman",)))
    assert [(f.entry.id, f.status) for f in found] == [("ombudsman", "national")]


def test_an_organisation_named_twice_on_a_page_is_marked_as_a_repeat(geography, small_directory):
    rules = parse_rules(MINIMAL.replace("understand-options: [council]", "understand-options: [council, helpline]")
                        + "  - id: helpline\n    entries: [national-helpline]\n    wording: care-information-scotland\n")
    steps = next_steps(rules, small_directory, SHETLAND, "myself", "understand-options")
    assert [[(f.entry.id, f.status, f.repeat) for f in s.found] for s in steps] == [
        [("national-helpline", "fallback", False)], [("national-helpline", "national", True)]]


# --- validation: every problem with its line and a fix -----------------------------------------
def test_the_project_rules_are_valid(rules, geography, directory):
    assert check_rules(rules, geography, directory) == []


def test_yaml_syntax_errors_name_the_line():
    found = problems("questions:\n  who: [a\n")
    assert len(found) == 1 and found[0].startswith("rules.yml:3: not valid YAML")


def test_an_unknown_question_is_an_unknown_node():
    found = problems(MINIMAL.replace("  need:\n", "  needs:\n", 1))
    assert "rules.yml:4: unknown node: 'needs'. Fix: expected one of: 'who', 'need'" in found


def test_a_condition_on_an_unknown_node_is_reported():
    found = problems(MINIMAL.replace("when: {who: [my-child]}}", "when: {whom: [my-child]}}"))
    assert "rules.yml:7: unknown node 'whom' in 'when'. Fix: expected one of: 'council', 'who'" in found


def test_a_condition_on_an_unknown_answer_is_reported():
    found = problems(MINIMAL.replace("when: {who: [my-child]}}", "when: {who: [my-kid]}}"))
    assert ("rules.yml:7: unknown answer 'my-kid' for 'who'. Fix: expected one of: 'myself', 'my-child'"
            in found)


def test_an_unknown_signpost_in_a_result_is_reported():
    found = problems(MINIMAL.replace("child-only: [council, children]", "child-only: [council, childrens]"))
    assert ("rules.yml:10: unknown signpost 'childrens' in the result for 'child-only'. "
            "Fix: define it under 'signposts:' or correct the spelling") in found


def test_a_result_for_an_unknown_need_is_an_unknown_node():
    found = problems(MINIMAL.replace("results:\n", "results:\n  nothing: [council]\n"))
    assert "rules.yml:9: unknown node 'nothing' in results. Fix: expected one of: 'understand-options', " \
           "'child-only'" in found


def test_a_need_without_a_result_is_a_dead_end():
    found = problems(MINIMAL.replace("  child-only: [council, children]\n", ""))
    assert any("need 'child-only' has no result (a dead end)" in p for p in found)


def test_a_signpost_in_no_result_is_never_shown():
    found = problems(MINIMAL + "  - id: spare\n    pages: [faq]\n    wording: faq\n")
    assert found == ["rules.yml:19: signpost 'spare' is in no result, so it is never shown. "
                     "Fix: list it under 'results:' or remove it"]


def test_a_signpost_whose_condition_never_matches_can_never_fire():
    # 'children' is only for my-child, but only the result for understand-options lists it,
    # and only myself can reach that need.
    found = problems(MINIMAL.replace("  understand-options: [council]", "  understand-options: [council, children]")
                     .replace("  child-only: [council, children]", "  child-only: [council]")
                     .replace("- understand-options\n", "- {id: understand-options, when: {who: [myself]}}\n"))
    assert found == ["rules.yml:15: signpost 'children' can never fire: its 'when: who' ['my-child'] matches no "
                     "one who reaches the results that list it. Fix: change its 'when' or the results that list it"]


def test_an_empty_condition_list_is_reported():
    found = problems(MINIMAL.replace("when: {who: [my-child]}}", "when: {who: []}}"))
    assert any("'when: who' must be a non-empty list" in p for p in found)


def test_an_unknown_directory_kind_lists_the_kinds():
    found = problems(MINIMAL.replace("kinds: [council-first-contact]", "kinds: [council]"))
    assert any(p.startswith("rules.yml:13: unknown directory kind 'council'. Fix: expected one of: "
                            "'council-first-contact'") for p in found)


def test_a_signpost_that_points_to_nothing_is_reported():
    found = problems(MINIMAL.replace("    kinds: [council-first-contact]\n", ""))
    assert "rules.yml:12: signpost 'council' points to nothing. Fix: give it 'kinds', 'entries' or 'pages' " \
           "(or more than one)" in found


def test_unknown_keys_and_duplicate_ids_are_reported_together():
    found = problems(MINIMAL.replace("    wording: council-first-contact\n",
                                     "    wording: council-first-contact\n    colour: red\n")
                     + "  - id: council\n    pages: [faq]\n    wording: faq\n")
    assert found == ["rules.yml:15: unknown key 'colour' in a signpost. Fix: expected one of: 'id', 'kinds', "
                     "'entries', 'pages', 'when', 'wording'",
                     "rules.yml:20: signpost 'council' is defined twice (also at line 12). Fix: rename or remove one"]


def test_unknown_councils_and_entries_are_found_against_the_data(geography, directory):
    rules = parse_rules(MINIMAL.replace("wording: pages-children", "wording: pages-children")
                        .replace("    when: {who: [my-child]}\n", "    when: {who: [my-child], council: [S99999999]}\n")
                        .replace("kinds: [council-first-contact]", "kinds: [council-first-contact]\n    entries: [nobody]"),
                        "rules.yml")
    found = [str(p) for p in check_rules(rules, geography, directory)]
    assert "rules.yml:16: 'children': unknown council code 'S99999999' in 'when'. Fix: use a GSS code from " \
           "finder/data/geo/council_areas.csv, e.g. S12000028" in found
    assert "rules.yml:12: signpost 'council': 'nobody' is not a directory entry. Fix: use the id of an entry " \
           "in finder/data/directory/" in found


def test_a_result_with_no_local_signpost_and_no_fallback_is_reported(geography, directory):
    rules = parse_rules(MINIMAL.replace("understand-options: [council]", "understand-options: [children, pages]")
                        + "  - id: pages\n    pages: [the-four-options]\n    wording: pages-options\n", "rules.yml")
    found = [str(p) for p in check_rules(rules, geography, directory)]
    assert any(p.startswith("rules.yml:9: the result for 'understand-options' (who: myself) in Aberdeen City names "
                            "no local organisation and no stated fallback") for p in found)
    assert len([p for p in found if "names no local organisation" in p]) == 2 * len(geography.councils)


# --- structure: everything reachable, no dead ends, an honest answer everywhere ----------------
def test_every_node_answer_and_signpost_is_reachable_and_no_path_is_a_dead_end(rules, geography, directory):
    codes = [c.code for c in geography.councils]
    reached = {"who": set(), "need": set(), "signpost": set()}
    for code in codes:  # walk the flow from the start: every council is an answer to the first question
        whos = answers(rules, "who", code)
        assert whos, f"dead end: no one can go on from {code}"
        for who in whos:
            reached["who"].add(who)
            needs = answers(rules, "need", code, who)
            assert needs, f"dead end: no needs for {who} in {code}"
            for need in needs:
                reached["need"].add(need)
                steps = next_steps(rules, directory, code, who, need)
                assert steps, f"dead end: an empty result for {code}/{who}/{need}"
                for step in steps:
                    assert step.found or step.pages, f"{step.signpost.id} shows nothing in {code}"
                    reached["signpost"].add(step.signpost.id)
    assert reached["who"] == {a.id for a in rules.answers["who"]}
    assert reached["need"] == {a.id for a in rules.answers["need"]}
    assert reached["signpost"] == set(rules.signposts)


def test_every_combination_names_a_real_local_organisation_or_an_honest_fallback(rules, geography, directory):
    for code, who, need in combinations(rules, [c.code for c in geography.councils]):
        steps = next_steps(rules, directory, code, who, need)
        named = [f for s in steps for f in s.found if f.status in ("local", "fallback")]
        assert named, f"{code}/{who}/{need} names no local organisation and no fallback"
        for found in named:
            if found.status == "fallback":  # honest: the gap is recorded for this council and kind
                assert found.gap.council == code and found.entry.id == found.gap.fallback
            else:
                assert code in found.entry.areas


def test_the_flow_enumerates_every_combination_once(rules, geography):
    combos = list(combinations(rules, [c.code for c in geography.councils]))
    assert len(combos) == len(set(combos)) == 32 * 3 * 7


# --- the acceptance table: real places, real organisations ------------------------------------
def _scenarios():
    with SCENARIOS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_acceptance_table_has_at_least_thirty_scenarios_with_sources():
    rows = _scenarios()
    assert len(rows) >= 30
    assert all(row["source"].startswith(("http://", "https://")) for row in rows)


@pytest.mark.parametrize("row", _scenarios(), ids=lambda r: f"{r['place']}-{r['who']}-{r['need']}")
def test_scenario(row, rules, geography, directory):
    matches = [m.council.slug for m in geography.lookup_place(row["place"])]
    assert row["council"] in matches, f"{row['place']} is not in {row['council']}: {matches}"
    code = geography.by_slug[row["council"]].code
    assert applies(rules, code, row["who"], row["need"])
    steps = next_steps(rules, directory, code, row["who"], row["need"])
    shown = {f.entry.id for s in steps for f in s.found}
    fallbacks = {f.gap.kind for s in steps for f in s.found if f.gap is not None}
    pages = {p for s in steps for p in s.pages}
    assert set(row["organisations"].split()) <= shown
    assert set(row["fallbacks"].split()) <= fallbacks
    assert set(row["pages"].split()) <= pages
