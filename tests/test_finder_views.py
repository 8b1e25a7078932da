"""The finder's pages: every question and result in both variants, postcode and place lookups
(valid, ambiguous, invalid) in live mode, the static build's pages and data, wording coverage,
the QR code on result pages, and weight."""
from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp

from finder.geo import load_geography
from finder.rules import combinations
from finder.rules import default_rules
from sds_site import create_app
from sds_site.config import load_config
from sds_site.views.finder import find_path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BUDGET = 14 * 1024


@pytest.fixture(scope="module")
def client(real_app):
    return real_app.test_client()


def html(response) -> str:
    return response.get_data(as_text=True)


def main(page: str) -> str:
    return page[page.index("<main"):page.index("</main>")]


def links(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', main(page))


# --- question 1: where do you live? ------------------------------------------------------------
def test_the_start_page_lists_all_32_councils_a_to_z(client):
    page = html(client.get("/en/find/"))
    assert page.count("<h1") == 1 and "<h1>Where do you live?</h1>" in page
    councils = re.findall(r'<a href="/en/find/([a-z-]+)/" data-council=', page)
    assert len(councils) == 32
    assert councils == sorted(councils, key=lambda s: load_geography().by_slug[s].name)
    assert re.findall(r'<h3 class="c-az__letter">(\w)</h3>', page)[:3] == ["A", "C", "D"]


def test_the_start_page_helps_people_who_are_not_sure_of_their_council(client):
    page = html(client.get("/en/find/"))
    assert "<summary>Not sure which council you live in?</summary>" in page
    assert "0800 011 3200" in page  # Care Information Scotland, from the directory


def test_the_start_page_forms_work_without_javascript_and_load_the_script(client):
    page = html(client.get("/en/find/"))
    assert page.count('action="/en/find/lookup/" method="get"') == 2
    assert 'name="postcode"' in page and 'name="place"' in page
    assert re.search(r'<script src="/static/js/finder\.js\?v=\w+" defer></script>', page)
    assert 'id="finder-errors"' in page and 'hidden' in page  # an error summary the script can fill


def test_the_easy_read_start_page_links_to_easy_read_council_pages(client):
    page = html(client.get("/en/easy-read/find/"))
    assert 't-easy-read' in page
    assert '<a href="/en/easy-read/find/fife/" data-council="fife">Fife</a>' in page
    assert 'href="/en/find/"' in page  # the switch to the full version


@pytest.mark.parametrize("query, target", [
    ("postcode=KA7+1UT", "/en/find/south-ayrshire/"),
    ("postcode=ka71ut", "/en/find/south-ayrshire/"),
    ("postcode=EH14", "/en/find/city-of-edinburgh/"),
    ("place=Portree", "/en/find/highland/"),
    ("place=stornoway", "/en/find/na-h-eileanan-siar/"),
])
def test_a_postcode_or_place_in_one_council_goes_straight_to_it(client, query, target):
    for start in ("/en/find/", "/en/find/lookup/"):
        response = client.get(f"{start}?{query}")
        assert response.status_code == 303 and response.headers["Location"] == target


def test_the_easy_read_lookup_stays_in_easy_read(client):
    response = client.get("/en/easy-read/find/?postcode=ZE1+0AA")
    assert response.headers["Location"] == "/en/easy-read/find/shetland-islands/"


def test_a_postcode_district_on_a_boundary_asks_which_council_and_never_guesses(client):
    response = client.get("/en/find/?postcode=AB12")
    page = html(response)
    assert response.status_code == 200
    assert "<h1>Which council area do you live in?</h1>" in page
    assert "The postcode area AB12 is in more than one council area." in page
    assert re.findall(r'<a class="c-choice" href="(/en/find/[a-z-]+/)">', page) == [
        "/en/find/aberdeen-city/", "/en/find/aberdeenshire/"]
    assert '<meta name="robots" content="noindex">' in page


def test_a_place_name_in_several_councils_asks_which_one(client):
    page = html(client.get("/en/find/?place=Blackburn"))
    choices = re.findall(r'<a class="c-choice" href="/en/find/([a-z-]+)/">Blackburn, in ([^<]+)</a>', page)
    assert sorted(slug for slug, _ in choices) == ["aberdeenshire", "moray", "west-lothian"]


@pytest.mark.parametrize("query, field, message", [
    ("postcode=zz", "postcode", "Enter a postcode in the right format, for example KA7 1UT"),
    ("postcode=", "postcode", "Enter a postcode, for example KA7 1UT"),
    ("postcode=SW1A+1AA", "postcode", "Enter a postcode in Scotland. This site covers Scotland only"),
    ("postcode=KA7+%241UT", "postcode", "A postcode has only letters and numbers, for example KA7 1UT"),
    ("postcode=ZE9+9ZZ", "postcode", "We could not find that postcode. Check it, or choose your council from the list"),
    ("place=", "place", "Enter the name of your town or village"),
    ("place=Atlantis", "place", "We could not find a place with that name. Check the spelling, try a nearby "
                                "town, or choose your council from the list"),
    ("place=" + "a" * 80, "place", "Enter the name of a town or village, not a full address"),
])
def test_invalid_input_gets_an_error_summary_that_says_what_to_fix(client, query, field, message):
    page = html(client.get(f"/en/find/lookup/?{query}"))
    summary = page[page.index('id="finder-errors"'):]
    summary = summary[:summary.index("</div>")]
    assert " hidden" not in summary.split(">")[0]
    assert f'<li><a href="#{field}">{message}</a></li>' in summary
    assert "<title>Error: Where do you live?" in page
    assert re.search(rf'<input [^>]*id="{field}"[^>]*aria-describedby="{field}-hint {field}-error" '
                     r'aria-invalid="true"', page)
    assert page.count("<h1") == 1


def test_what_was_typed_is_kept_after_an_error(client):
    page = html(client.get("/en/find/lookup/?postcode=zz"))
    assert 'value="zz"' in page


def test_the_static_lookup_page_explains_how_to_choose_from_the_list(client):
    page = html(client.get("/en/find/lookup/"))
    assert "<h1>Choose your council</h1>" in page
    assert "could not look up your postcode or town" in page
    assert "<form" not in main(page)  # no form that would only land here again
    assert len(re.findall(r'data-council="', page)) == 32
    assert '<meta name="robots" content="noindex">' in page


# --- question 2: who is the support for? (and the council's local organisations) ---------------
def test_the_council_page_asks_who_the_support_is_for(client):
    page = html(client.get("/en/find/south-ayrshire/"))
    assert "<h1>Who is the support for?</h1>" in page
    assert re.findall(r'<a class="c-choice" href="([^"]+)">', page) == [
        "/en/find/south-ayrshire/myself/", "/en/find/south-ayrshire/someone-i-care-for/",
        "/en/find/south-ayrshire/my-child/"]
    assert '<a class="c-back" href="/en/find/">Back</a>' in page


def test_the_council_page_shows_its_local_organisations_with_check_dates(client):
    page = html(client.get("/en/find/south-ayrshire/"))
    assert "<h2 id=\"local\">Support in South Ayrshire</h2>" in page
    assert "Ayrshire Independent Living Network" in page
    assert re.search(r"Details checked on \d{1,2} \w+ 20\d\d", page)
    # Where no local organisation is known, it says so and names the fallback.
    assert "We do not know of a local independent advocacy service in South Ayrshire yet." in page


def test_without_a_feedback_address_readers_are_told_to_contact_the_organisation(client):
    page = html(client.get("/en/find/south-ayrshire/"))
    assert "If something is wrong, contact the organisation directly." in page


def test_with_a_feedback_address_there_is_a_report_link():
    app = create_app(load_config(overrides={"feedback_email": "finder@example.org"}), project_dir=PROJECT_DIR,
                     testing=True)
    page = html(app.test_client().get("/en/find/fife/"))
    assert re.search(r'<a href="mailto:finder@example\.org\?subject=Wrong%20details%20on%20[^"]+/en/find/fife/">'
                     r"Report wrong or out-of-date details</a>", page)


# --- question 3: what do you need? ---------------------------------------------------------------
def test_the_need_page_offers_only_the_needs_that_apply(client):
    carer = html(client.get("/en/find/fife/someone-i-care-for/"))
    myself = html(client.get("/en/find/fife/myself/"))
    assert "<h1>What do you need help with?</h1>" in carer
    assert 'href="/en/find/fife/someone-i-care-for/carer-support/"' in carer
    assert "carer-support" not in myself
    assert 'href="/en/find/fife/myself/moving-to-adult-services/"' in myself
    assert '<a class="c-back" href="/en/find/fife/">Back</a>' in carer


# --- the result ----------------------------------------------------------------------------------
def test_a_result_names_local_organisations_and_links_the_pages_that_fit(client):
    page = html(client.get("/en/find/south-ayrshire/myself/employ-a-pa/"))
    assert "<h1>Your next steps</h1>" in page
    steps = re.findall(r"<h2>([^<]+)</h2>", page)
    assert steps[:4] == ["Read about employing a personal assistant", "Use the Personal Assistant Employer Handbook",
                         "Get free, independent help", "Contact the council"]
    assert "Ayrshire Independent Living Network" in page
    assert "South Ayrshire Health and Social Care Partnership" in page
    assert 'href="/en/employing-a-personal-assistant/"' in page
    assert 'href="/en/pvg-checks/"' in page


def test_a_result_shows_an_honest_fallback_where_no_local_organisation_is_known(client):
    page = html(client.get("/en/find/shetland-islands/someone-i-care-for/carer-support/"))
    assert "We do not know of a local carers' service in Shetland Islands yet. This organisation can help:" \
        in page
    assert "Care Information Scotland" in page


def test_a_result_has_change_links_and_its_own_address_as_text_and_qr_code(client):
    path = "/en/find/fife/my-child/understand-options/"
    page = html(client.get(path))
    for href in ("/en/find/", "/en/find/fife/", "/en/find/fife/my-child/"):
        assert f'<a href="{href}">Change<span class="u-hidden">' in page
    assert f'<p class="c-share__url u-ltr">http://127.0.0.1:8000{path}</p>' in page
    assert re.search(r'<svg class="c-share__qr" viewBox="0 0 \d+ \d+" [^>]*role="img" '
                     r'aria-label="QR code that opens this page"><path stroke="#000" d="M', page)


def test_the_easy_read_result_has_a_picture_beside_every_step(client):
    page = html(client.get("/en/easy-read/find/fife/my-child/understand-options/"))
    steps = page.count('<li class="c-step">')
    assert steps >= 4 and page.count('<img class="c-idea__picture"') == steps
    assert "<h1>What you can do next</h1>" in page
    assert 'href="/en/find/fife/my-child/understand-options/"' in page


@pytest.mark.parametrize("path", [
    "/en/find/south-ayrshire/myself/carer-support/",
    "/en/find/south-ayrshire/someone-i-care-for/moving-to-adult-services/",
    "/en/find/south-ayrshire/nobody/",
    "/en/find/south-ayrshire/myself/nothing/",
    "/en/find/atlantis/",
    "/en/easy-read/find/fife/my-child/carer-support/",
    "/xx/find/",
])
def test_combinations_that_do_not_apply_get_the_404_page(client, path):
    response = client.get(path)
    assert response.status_code == 404 and "Page not found" in html(response)


# --- wording: every key in the rules has words, in both variants ---------------------------------
def test_every_answer_and_signpost_has_wording_in_both_variants(real_app):
    rules = default_rules()
    finder = real_app.extensions["finder"]
    keys = {
        "who": [a.id for a in rules.answers["who"]],
        "need": [a.id for a in rules.answers["need"]],
        "heading": [s.wording for s in rules.signposts.values()],
        "why": [s.wording for s in rules.signposts.values()],
        "kind": [k for s in rules.signposts.values() for k in s.kinds],
        "picture": [s.wording for s in rules.signposts.values()],
    }
    state = real_app.extensions["sds"]
    with real_app.test_request_context("/en/find/"):
        for variant in ("standard", "easy-read"):
            words = finder.words("en", variant)
            for macro, values in keys.items():
                for key in values:
                    text = str(getattr(words, macro)(key))
                    assert text and text != key, f"wording.html: {macro}({key!r}) has no words ({variant})"
                    if macro == "picture":
                        assert text in state.pictures, f"no picture {text!r} for {key!r}"


# --- the static build ---------------------------------------------------------------------------
def _finder_pages(build: Path) -> set[str]:
    return {"/" + p.parent.relative_to(build).as_posix() + "/"
            for p in build.glob("*/**/find/**/index.html")}


def test_the_built_finder_pages_are_exactly_what_the_engine_enumerates(real_build, real_app):
    rules = default_rules()
    geography = load_geography()
    expected = set()
    for lang in real_app.extensions["sds"].config.language_codes:
        for variant in ("standard", "easy-read"):
            expected |= {find_path(lang, variant), find_path(lang, variant, "lookup")}
            for council in geography.councils:
                expected.add(find_path(lang, variant, council.slug))
            for code, who, need in combinations(rules, [c.code for c in geography.councils]):
                slug = geography.by_code[code].slug
                expected |= {find_path(lang, variant, slug, who), find_path(lang, variant, slug, who, need)}
    assert _finder_pages(real_build) == expected


def test_the_build_writes_postcode_and_place_shards_for_the_script(real_build):
    import json

    place = json.loads((real_build / "data" / "places" / "bl.json").read_text())
    assert sorted(slug for slug, _ in place["blackburn"]) == ["aberdeenshire", "moray", "west-lothian"]
    assert (real_build / "data" / "postcodes" / "KA7.json").is_file()
    assert (real_build / "static" / "js" / "finder.js").is_file()


def test_the_static_lookup_page_is_built(real_build):
    page = (real_build / "en" / "find" / "lookup" / "index.html").read_text()
    assert "<h1>Choose your council</h1>" in page


def test_every_finder_page_fits_in_the_first_round_trip(real_build):
    css = len(gzip.compress((real_build / "static" / "css" / "site.css").read_bytes(), 9))
    sizes = sorted((len(gzip.compress(p.read_bytes(), 9)) + css, str(p))
                   for p in real_build.glob("*/**/find/**/index.html"))
    largest, where = sizes[-1]
    assert largest <= BUDGET, f"{where}: {largest} bytes of gzip HTML + CSS (budget {BUDGET})"


# --- the QR code on result pages ----------------------------------------------------------------
def dark_modules(path: str) -> set[tuple[int, int]]:
    """The modules an SVG path of `M x y.5`, `h n` and `m n 0` commands strokes."""
    dark, x, y = set(), 0, 0
    for command, a, b in re.findall(r"([Mhm])(\d+)(?: (\d+)(?:\.5)?)?", path):
        if command == "M":
            x, y = int(a), int(b)
        elif command == "h":
            dark.update((x + i, y) for i in range(int(a)))
            x += int(a)
        else:
            x += int(a)
    return dark


def test_the_qr_path_draws_exactly_the_dark_modules_of_the_code():
    from sds_site.views.finder import QR_MASK
    from sds_site.views.finder import qr_svg

    for url in ("https://sds.example.scot/en/easy-read/find/dumfries-and-galloway/someone-i-care-for/"
                "moving-to-adult-services/", "http://127.0.0.1:8000/ur/find/fife/myself/choosing/"):
        qr = qr_svg(url)
        code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M", data_mask=QR_MASK)
        image = bytes(code.to_image(scale=1, add_quiet_zones=False))
        width = int(len(image) ** 0.5)
        dark = {(i % width + 2, i // width + 2) for i, value in enumerate(image) if value == 0}
        assert dark and dark_modules(qr.path) == dark and qr.size == width + 4


def qr_image(path: str, size: int, destination: Path, scale: int = 6) -> Path:
    """Draw an SVG path of the QR code as a black-and-white PBM image, as a printer would."""
    dark = dark_modules(path)
    rows = [" ".join("1" if (x // scale, y // scale) in dark else "0" for x in range(size * scale))
            for y in range(size * scale)]
    destination.write_text(f"P1\n{size * scale} {size * scale}\n" + "\n".join(rows) + "\n")
    return destination


def zbarimg(*images: Path) -> list[str]:
    if shutil.which("zbarimg") is None:
        pytest.fail("zbarimg is not installed: apt-get install zbar-tools (scripts/test-all does)", pytrace=False)
    decoded = subprocess.run(["zbarimg", "-q", "--raw", *map(str, images)], capture_output=True, text=True)
    return decoded.stdout.splitlines()


def test_the_result_pages_qr_code_opens_the_page(client, tmp_path):
    path = "/en/find/highland/someone-i-care-for/carer-support/"
    page = html(client.get(path))
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', page).group(1))
    image = qr_image(re.search(r'<path stroke="#000" d="([^"]+)"', page).group(1), size, tmp_path / "qr.pbm")
    assert zbarimg(image) == ["http://127.0.0.1:8000" + path]


def test_qr_codes_across_the_site_scan_with_the_fixed_mask(real_app, tmp_path):
    """The codes use one data mask for speed (see qr_svg): a spread of result addresses, every
    language and both variants, long and short, still scan with a second, independent decoder."""
    from sds_site.build import planned_urls
    from sds_site.views.finder import qr_svg

    results = sorted((url for url in planned_urls(real_app)  # /<lang>[/easy-read]/find/<council>/<who>/<need>/
                      if "/find/" in url and url.split("/find/")[1].count("/") == 3), key=len)
    spread = results[::len(results) // 60] + [results[-1]]
    urls = ["https://www.example.scot" + url for url in spread]
    images = []
    for i, url in enumerate(urls):
        qr = qr_svg(url)
        images.append(qr_image(qr.path, qr.size, tmp_path / f"qr{i}.pbm", scale=3))
    assert len({url.split("/")[3] for url in urls}) == len(real_app.extensions["sds"].config.language_codes)
    assert any("/easy-read/" in url for url in urls) and any("/easy-read/" not in url for url in urls)
    assert zbarimg(*images) == urls


def test_a_broken_rules_file_stops_the_app_with_its_file_and_line(monkeypatch):
    from finder.rules import parse_rules
    from sds_site.content import ContentError
    from sds_site.views import finder as view

    def broken():
        return parse_rules("questions:\n  who:\n    answers: [me]\n  needs: {}\n", "finder/data/rules.yml")

    monkeypatch.setattr(view, "default_rules", broken)
    with pytest.raises(ContentError) as info:
        create_app(load_config(), project_dir=PROJECT_DIR, testing=True)
    assert "finder/data/rules.yml:4: unknown node: 'needs'. Fix: expected one of: 'who', 'need'" in str(info.value)


# --- the script in the static build (a real browser: Debian's Chromium) --------------------------


@pytest.fixture(scope="module")
def tab(served_site, browser):
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page, served_site, errors
    context.close()


@pytest.fixture(scope="module")
def no_script_tab(tab):
    page, base, _ = tab
    context = page.context.browser.new_context(java_script_enabled=False)
    yield context.new_page(), base
    context.close()


def _submit(page, base: str, field: str, text: str, start: str = "/en/find/") -> None:
    page.goto(base + start)
    page.fill(f"#{field}", text)
    page.locator(f'form[data-field="{field}"] button').click()


@pytest.mark.browser
@pytest.mark.parametrize("field, text, target", [
    ("postcode", "ka7 1ut", "/en/find/south-ayrshire/"),
    ("postcode", "EH14", "/en/find/city-of-edinburgh/"),
    ("postcode", "G77 5AA", "/en/find/east-renfrewshire/"),
    ("place", "Portree", "/en/find/highland/"),
    ("place", "Steòrnabhagh", "/en/find/na-h-eileanan-siar/"),
])
def test_the_script_goes_straight_to_the_council(tab, field, text, target):
    page, base, errors = tab
    _submit(page, base, field, text)
    page.wait_for_url(base + target)
    assert not errors


@pytest.mark.browser
def test_the_script_answers_like_the_server_for_every_kind_of_postcode(tab, client):
    page, base, errors = tab
    for text in ("KA7 1UT", "ab12", "AB12 4", "ZE1 0AA", "DG1 1AA"):
        live = client.get("/en/find/?" + "postcode=" + text.replace(" ", "+"))
        expected = ([live.headers["Location"]] if live.status_code == 303 else
                    re.findall(r'<a class="c-choice" href="([^"]+)">', html(live)))
        _submit(page, base, "postcode", text)
        if len(expected) == 1:
            page.wait_for_url(base + expected[0])
        else:
            page.wait_for_selector("#finder-choices:not([hidden])")
            shown = page.eval_on_selector_all("#finder-choices a", "els => els.map(a => a.getAttribute('href'))")
            assert shown == expected, text
    assert not errors


@pytest.mark.browser
def test_the_script_lists_the_councils_for_an_ambiguous_place(tab):
    page, base, errors = tab
    _submit(page, base, "place", "blackburn")
    page.wait_for_selector("#finder-choices:not([hidden])")
    texts = page.eval_on_selector_all("#finder-choices a", "els => els.map(a => a.textContent)")
    assert sorted(texts) == ["Blackburn, in Aberdeenshire", "Blackburn, in Moray", "Blackburn, in West Lothian"]
    assert page.evaluate("document.activeElement.id") == "finder-choices"


@pytest.mark.browser
@pytest.mark.parametrize("field, text, message", [
    ("postcode", "zz", "Enter a postcode in the right format, for example KA7 1UT"),
    ("postcode", "SW1A 1AA", "Enter a postcode in Scotland. This site covers Scotland only"),
    ("postcode", "", "Enter a postcode, for example KA7 1UT"),
    ("place", "Atlantis", "We could not find a place with that name. Check the spelling, try a nearby town, "
                          "or choose your council from the list"),
])
def test_the_script_shows_an_error_summary(tab, field, text, message):
    page, base, errors = tab
    _submit(page, base, field, text)
    page.wait_for_selector("#finder-errors:not([hidden])")
    assert page.inner_text("#finder-errors li") == message
    assert page.inner_text(f"#{field}-error") == message
    assert page.get_attribute(f"#{field}", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "finder-errors"
    assert not errors


@pytest.mark.browser
def test_without_javascript_the_static_form_lands_on_the_explanation(no_script_tab):
    page, base = no_script_tab
    page.goto(base + "/en/find/")
    page.fill("#postcode", "KA7 1UT")
    with page.expect_navigation():
        page.locator('form[data-field="postcode"] button').click()
    assert page.url == base + "/en/find/lookup/?postcode=KA7+1UT"
    assert page.inner_text("h1") == "Choose your council"
    assert page.locator('a[href="/en/find/south-ayrshire/"]').count() == 1


def test_a_partner_copy_offers_its_own_council_first():
    app = create_app(load_config(overrides={"default_council": "S12000028"}), project_dir=PROJECT_DIR, testing=True)
    page = html(app.test_client().get("/en/find/"))
    first = re.search(r'<a class="c-choice" href="([^"]+)">([^<]+)</a>', page)
    assert first.groups() == ("/en/find/south-ayrshire/", "I live in South Ayrshire")
