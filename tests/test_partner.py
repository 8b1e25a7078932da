"""Partnership copies: the example partner builds branded; every bad partner file stops the build."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sds_site import create_app
from sds_site.build import build
from sds_site.cli import main
from sds_site.config import load_config
from sds_site.partner import PartnerError
from sds_site.partner import contrast
from sds_site.partner import load_partner
from sds_site.partner import nearest_passing

from conftest import PROJECT_DIR
from conftest import SITE_FIXTURE

EXAMPLE = PROJECT_DIR / "partners" / "example"
COUNCILS = {"S12000028", "S12000033"}
LANGS = {"en", "gd", "pl", "uk", "ur", "ar"}


@pytest.fixture
def partner_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "partner"
    shutil.copytree(EXAMPLE, folder)
    return folder


def edit(folder: Path, old: str, new: str) -> None:
    path = folder / "partner.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems(folder: Path) -> str:
    with pytest.raises(PartnerError) as caught:
        load_partner(folder, COUNCILS, LANGS)
    return str(caught.value)


def test_example_partner_is_valid():
    partner = load_partner(EXAMPLE, COUNCILS, LANGS)
    assert partner.partnership.councils == ["S12000028"]
    assert partner.logo_path.is_file()


def test_contrast_maths_matches_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54
    shade = nearest_passing("#7fb2ff", "#ffffff", 4.5)
    assert contrast(shade, "#ffffff") >= 4.5


def test_failing_brand_colour_names_pair_ratio_and_fix(partner_dir):
    edit(partner_dir, 'link = "#005a70"', 'link = "#7fb2ff"')
    message = problems(partner_dir)
    assert "colours.link = #7fb2ff on white page (#ffffff) has contrast 2.1" in message
    assert "under 4.5:1 for link text. Fix: use #" in message
    assert "partner.toml" in message


def test_weak_focus_colour_fails(partner_dir):
    edit(partner_dir, 'focus = "#ffbf47"', 'focus = "#333333"')
    assert "colours.focus = #333333 on text (#0b0c0c)" in problems(partner_dir)


def test_unknown_key_missing_key_and_bad_values(partner_dir):
    edit(partner_dir, 'short_name = "Example Partnership"', 'shortname = "Example Partnership"')
    message = problems(partner_dir)
    assert "partnership.shortname: Extra inputs are not permitted" in message
    assert "partnership.short_name: Field required" in message


def test_unknown_council_and_language(partner_dir):
    edit(partner_dir, 'councils = ["S12000028"]', 'councils = ["S12999999"]')
    edit(partner_dir, 'languages = ["en", "gd", "pl", "uk", "ur", "ar"]', 'languages = ["en", "fr"]')
    message = problems(partner_dir)
    assert "unknown council code 'S12999999'" in message
    assert "'fr' is not a language of the site" in message


def test_missing_logo_and_bad_toml(partner_dir):
    (partner_dir / "logo.svg").unlink()
    assert "logo.file: 'logo.svg' not found" in problems(partner_dir)
    (partner_dir / "partner.toml").write_text("[partnership\nname = 1\n")
    assert "not valid TOML" in problems(partner_dir)


def test_cli_refuses_a_bad_partner_without_touching_build(partner_dir, project, capsys):
    edit(partner_dir, 'primary = "#005a70"', 'primary = "#9ad0dc"')
    (project / "build").mkdir()
    (project / "build" / "keep.html").write_text("old")
    assert main(["--project", str(project), "build", "--partner", str(partner_dir)]) == 1
    err = capsys.readouterr().err
    assert "colours.on_primary = #ffffff on primary (#9ad0dc)" in err
    assert [p.name for p in (project / "build").iterdir()] == ["keep.html"]


def test_partner_build_is_branded(partner_dir, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SITE_FIXTURE, project)
    # the partner's page links to pages the small fixture lacks: give it a page that fits
    shutil.rmtree(partner_dir / "content")
    (partner_dir / "content").mkdir()
    shutil.copy(SITE_FIXTURE / "content" / "the-four-options.md", partner_dir / "content" / "local-support.md")
    (partner_dir / "content" / "easy-read").mkdir()
    shutil.copy(SITE_FIXTURE / "content" / "easy-read" / "the-four-options.md",
                partner_dir / "content" / "easy-read" / "local-support.md")
    partner = load_partner(partner_dir, None, None)
    app = create_app(load_config(), project_dir=project, partner=partner)
    out = tmp_path / "out"
    build(app, out, jobs=1)
    home = (out / "en" / "index.html").read_text()
    assert '<img class="c-header__logo" src="/static/partner/logo.svg" alt="Example Partnership"' in home
    assert '<link rel="stylesheet" href="/static/partner/partner.css">' in home
    assert 'href="/en/find/south-ayrshire/">Find support in South Ayrshire</a>' in home
    assert "https://sds.example.org/en/" in home  # canonical uses the partner's base URL
    css = (out / "static" / "partner" / "partner.css").read_text()
    assert "--c-primary:#005a70" in css and "--c-focus:#ffbf47" in css
    assert (out / "static" / "partner" / "logo.svg").read_bytes() == (partner_dir / "logo.svg").read_bytes()
    assert (out / "en" / "local-support" / "index.html").is_file()
    assert "South Ayrshire Health and Social Care Partnership" in home
