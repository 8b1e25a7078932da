"""The example partner's branded copy, built from the real content like a partnership would build it,
then looked at in a real browser: its logo and colours must actually appear on screen, and its home
page must lead to its own council's support."""
from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from sds_site import create_app
from sds_site.build import build
from sds_site.config import load_config
from sds_site.partner import load_partner

from conftest import PROJECT_DIR
from .tools import report_path
from .tools import serve

pytestmark = pytest.mark.browser
EXAMPLE = PROJECT_DIR / "partners" / "example"


def rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i:i + 2], 16) for i in (0, 2, 4))


def share(image: Image.Image, colour: tuple[int, int, int], tolerance: int = 6) -> float:
    """The fraction of the image's pixels within `tolerance` of `colour` in every channel."""
    raw = image.convert("RGB").tobytes()
    pixels = [raw[i:i + 3] for i in range(0, len(raw), 3)]
    near = sum(1 for p in pixels if all(abs(a - b) <= tolerance for a, b in zip(p, colour)))
    return near / len(pixels)


@pytest.fixture(scope="module")
def partner_site(tmp_path_factory):
    partner = load_partner(EXAMPLE, None, None)
    app = create_app(load_config(), project_dir=PROJECT_DIR, partner=partner)
    out = tmp_path_factory.mktemp("partner") / "build"
    started = time.perf_counter()
    report = build(app, out, jobs=2)
    seconds = time.perf_counter() - started
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    report_path("partner-build.txt").write_text(
        f"example partner: {report.pages} pages, {report.files} files, {size / 1e6:.1f} MB, {seconds:.1f} s\n")
    with serve(out) as base:
        yield partner, base


def test_the_partner_logo_and_colours_are_on_screen(partner_site, browser):
    partner, base = partner_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  device_scale_factor=1)
    page = context.new_page()
    page.goto(f"{base}/en/", wait_until="load")
    shot = page.screenshot(full_page=False)
    (report_path("screenshots")).mkdir(exist_ok=True)
    (report_path("screenshots") / "partner-home-390.png").write_bytes(shot)

    header = Image.open(io.BytesIO(page.locator("header").first.screenshot()))
    assert share(header, rgb(partner.colours.primary)) > 0.5, "the header is not in the partner's primary colour"
    logo = page.locator("img.c-header__logo")
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    drawn = Image.open(io.BytesIO(logo.screenshot()))
    # the example logo has a circle in the focus colour: seen only if the logo is really drawn
    assert share(drawn, rgb(partner.colours.focus), tolerance=12) > 0.015, "the logo is not drawn"
    assert share(drawn, rgb(partner.colours.primary)) > 0.2

    # Keyboard focus shows the partner's focus colour.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = Image.open(io.BytesIO(page.screenshot()))
    assert share(focused, rgb(partner.colours.focus), tolerance=12) > share(Image.open(io.BytesIO(shot)),
                                                                           rgb(partner.colours.focus), 12)
    link = page.locator("main a[href='/en/find/south-ayrshire/']").first
    assert link.bounding_box()["y"] < 844, "the home page does not lead with the partner's council"
    prose_link = page.locator("main .c-prose a").first
    assert prose_link.evaluate("a => getComputedStyle(a).color") == "rgb(%d, %d, %d)" % rgb(partner.colours.link)
    context.close()


def test_the_partner_copy_is_complete(partner_site):
    partner, base = partner_site
    import urllib.request

    for path in ["/en/local-support/", "/en/easy-read/local-support/", "/ar/", "/en/find/south-ayrshire/",
                 "/static/partner/logo.svg"]:
        with urllib.request.urlopen(base + path) as response:
            assert response.status == 200, path
