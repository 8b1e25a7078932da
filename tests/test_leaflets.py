"""Leaflets and QR codes: each code decodes to a short address that opens the intended built page."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sds_site import create_app
from sds_site.build import build
from sds_site.config import load_config
from sds_site.leaflets import leaflets

from conftest import SITE_FIXTURE


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("leaflets")
    project = root / "project"
    shutil.copytree(SITE_FIXTURE, project)
    app = create_app(load_config(overrides={"base_url": "https://sds.example.org"}), project_dir=project)
    out = root / "out"
    build(app, out, jobs=2)
    return app, out


def decode(png: Path) -> str:
    zbarimg = shutil.which("zbarimg")
    assert zbarimg, "zbarimg is missing: install zbar-tools (scripts/test-all does)"
    result = subprocess.run([zbarimg, "--quiet", "--raw", str(png)], capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_every_leaflet_has_both_sizes_and_a_readable_address(site):
    app, out = site
    items = leaflets(app.extensions["sds"])
    assert {i.code for i in items} >= {"home", "easy-read", "c28", "c33"}
    assert len([i for i in items if i.kind == "council"]) == 32
    for item in items:
        for size in ("a4", "a5"):
            html = (out / "leaflets" / item.code / size / "index.html").read_text()
            assert f'src="/qr/{item.code}.svg"' in html
            assert f"sds.example.org/q/{item.code}/" in html  # the address in large text


def test_qr_codes_decode_to_short_addresses_that_open_the_target(site):
    app, out = site
    for item in leaflets(app.extensions["sds"]):
        url = decode(out / "qr" / f"{item.code}.png")
        assert url == f"https://sds.example.org/q/{item.code}/"
        short = out / url.removeprefix("https://sds.example.org/").strip("/") / "index.html"
        html = short.read_text()
        target = re.search(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', html).group(1)
        assert target == item.target
        assert f'<a href="{target}">' in html
        if item.kind != "council":  # finder pages are checked by the finder's own tests
            assert (out / target.strip("/") / "index.html").is_file(), target


def test_qr_svg_is_a_standalone_file_with_quiet_zone(site):
    _, out = site
    svg = (out / "qr" / "c28.svg").read_text()
    assert svg.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in svg
    width = int(re.search(r'viewBox="0 0 (\d+) (\d+)"', svg).group(1))
    assert width == 21 + 4 * 2 or width >= 25 + 8  # version 1 or more, plus a 4-module quiet zone each side


def test_leaflet_prints_the_code_at_least_2cm_wide():
    css = (Path(__file__).parent.parent / "site" / "static" / "css" / "leaflet.css").read_text()
    widths = [float(w) for w in re.findall(r"\.leaflet__qr img \{ width: ([\d.]+)cm", css)]
    widths += [float(w) for w in re.findall(r"\.leaflet--a5 \.leaflet__qr img \{ width: ([\d.]+)cm", css)]
    assert widths and min(widths) >= 2
    assert "@page a4 { size: A4" in css and "@page a5 { size: A5" in css


def test_the_leaflets_command_prints_a_partners_leaflets_to_pdf(tmp_path, capsys):
    """What a partnership runs: its branded copy with its own council's leaflet, printed by Chromium."""
    from sds_site.cli import main

    from conftest import PROJECT_DIR

    out = tmp_path / "partner"
    assert main(["leaflets", "--partner", str(PROJECT_DIR / "partners" / "example"), "--out", str(out),
                 "--base-url", "https://sds.example.org"]) == 0
    pdfs = sorted(out.glob("leaflets/*/*/leaflet-*.pdf"))
    names = {p.name for p in pdfs}
    for code in ("home", "easy-read", "c28"):  # c28: South Ayrshire, the example partner's council
        assert {f"leaflet-{code}-a4.pdf", f"leaflet-{code}-a5.pdf"} <= names, names
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 5_000, pdf
    assert decode(out / "qr" / "c28.png") == "https://sds.example.org/q/c28/"
    assert 'url=/en/find/south-ayrshire/' in (out / "q" / "c28" / "index.html").read_text()
