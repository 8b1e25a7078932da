"""Partnership copies: a folder with `partner.toml`, a logo, and optional pages and templates.

    partners/example/
      partner.toml          name, logo, colours, council(s), base URL, contacts, languages, links
      logo.svg
      content/              pages that add to or replace the default pages (same layout as content/)
      templates/            templates that replace the default ones (optional)

`sds-site build --partner partners/example` builds the branded copy. Everything is validated before
anything is written: a wrong key, a missing logo, an unknown council or a brand colour that fails
WCAG contrast stops the build with the file, the key and the fix.
"""
from __future__ import annotations

import colorsys
import tomllib
from pathlib import Path

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

HEX = r"^#[0-9a-fA-F]{6}$"
WHITE = "#ffffff"
TEXT = "#0b0c0c"
PANEL = "#f3f2f1"


class PartnerError(Exception):
    """The partner folder is wrong. The message names the file, the key and the fix."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Logo(Strict):
    file: str
    alt: str = Field(min_length=2)


class Colours(Strict):
    primary: str = Field(pattern=HEX)
    on_primary: str = Field(pattern=HEX)
    link: str = Field(pattern=HEX)
    focus: str = Field(pattern=HEX)


class Contact(Strict):
    label: str
    phone: str | None = Field(default=None, pattern=r"^(?:0\d{2,4} ?\d{3,4} ?\d{3,4}|0800 ?\d{3} ?\d{4})$")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    website: str | None = Field(default=None, pattern=r"^https://")
    source: str = Field(pattern=r"^https?://")
    last_checked: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")


class Link(Strict):
    text: str
    url: str = Field(pattern=r"^(https://|/)")


class Partnership(Strict):
    name: str = Field(min_length=3)
    short_name: str = Field(min_length=2, max_length=40)
    base_url: str = Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    councils: list[str] = Field(min_length=1)
    feedback_email: str = ""
    feedback_url: str = ""
    languages: list[str] = Field(min_length=1)

    @field_validator("languages")
    @classmethod
    def _english(cls, value: list[str]) -> list[str]:
        if value[0] != "en":
            raise ValueError("list 'en' first: English is the source language every page falls back to")
        return value


class Partner(Strict):
    partnership: Partnership
    logo: Logo
    colours: Colours
    contacts: list[Contact] = []
    footer_links: list[Link] = []
    folder: Path | None = None
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, arbitrary_types_allowed=True)

    @property
    def logo_path(self) -> Path:
        return self.folder / self.logo.file

    @property
    def content_dir(self) -> Path:
        return self.folder / "content"

    @property
    def templates_dir(self) -> Path:
        return self.folder / "templates"


# --- colour contrast (WCAG 2.2 relative luminance) ------------------------------------------------
def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def nearest_passing(colour: str, against: str, ratio: float) -> str:
    """The shade of `colour` (same hue and saturation) closest in lightness that meets `ratio`."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    h, l, s = colorsys.rgb_to_hls(r, g, b)
    best = None
    for step in range(1, 101):
        for candidate_l in (l - step / 100, l + step / 100):
            if not 0 <= candidate_l <= 1:
                continue
            rr, gg, bb = colorsys.hls_to_rgb(h, candidate_l, s)
            candidate = "#{:02x}{:02x}{:02x}".format(round(rr * 255), round(gg * 255), round(bb * 255))
            if contrast(candidate, against) >= ratio:
                best = candidate
                break
        if best:
            return best
    return TEXT if contrast(TEXT, against) >= ratio else WHITE


def colour_problems(colours: Colours) -> list[str]:
    """Every brand colour pair that fails WCAG, with the ratio and the nearest passing shade."""
    pairs = [
        ("on_primary", colours.on_primary, "primary", colours.primary, 4.5, "text on the header"),
        ("link", colours.link, "white page", WHITE, 4.5, "link text"),
        ("link", colours.link, "grey panel", PANEL, 4.5, "link text in the footer"),
        ("focus", colours.focus, "text", TEXT, 3.0, "the focus highlight behind text"),
        ("primary", colours.primary, "white page", WHITE, 3.0, "borders of controls and callouts"),
    ]
    problems = []
    for key, colour, against_name, against, ratio, use in pairs:
        actual = contrast(colour, against)
        if actual < ratio:
            fix = nearest_passing(colour, against, ratio)
            problems.append(f"colours.{key} = {colour} on {against_name} ({against}) has contrast "
                            f"{actual:.2f}:1, under {ratio}:1 for {use}. Fix: use {fix} "
                            f"({contrast(fix, against):.2f}:1), the nearest shade that passes")
    return problems


def load_partner(folder: Path, known_councils: set[str] | None = None,
                 known_languages: set[str] | None = None) -> Partner:
    """Read and validate a partner folder; raise PartnerError listing every problem."""
    folder = Path(folder).resolve()
    path = folder / "partner.toml"
    if not path.is_file():
        raise PartnerError(f"{path}: not found. Fix: a partner folder needs a partner.toml "
                           "(copy partners/example/partner.toml)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PartnerError(f"{path}: not valid TOML ({exc}). Fix: correct the syntax at that line") from exc
    except UnicodeDecodeError as exc:
        raise PartnerError(f"{path}: not UTF-8. Fix: save the file as UTF-8") from exc
    try:
        partner = Partner.model_validate({**data, "folder": folder}, strict=False)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise PartnerError("\n".join(lines)) from exc
    problems = []
    if not partner.logo_path.is_file():
        problems.append(f"logo.file: {partner.logo.file!r} not found in {folder}. Fix: put the logo (SVG or PNG) there")
    elif partner.logo_path.suffix.lower() not in (".svg", ".png"):
        problems.append(f"logo.file: {partner.logo.file!r} must be an SVG or PNG file")
    elif partner.logo_path.suffix.lower() == ".svg":
        head = partner.logo_path.read_text(encoding="utf-8", errors="replace")
        if "<script" in head.lower() or "href=\"http" in head.lower():
            problems.append("logo.file: the SVG contains a script or an outside link. Fix: export a plain SVG")
    for code in partner.partnership.councils:
        if known_councils is not None and code not in known_councils:
            problems.append(f"partnership.councils: unknown council code {code!r}. "
                            "Fix: use a GSS code from finder/data/geo/council_areas.csv, e.g. S12000028")
    for lang in partner.partnership.languages:
        if known_languages is not None and lang not in known_languages:
            problems.append(f"partnership.languages: {lang!r} is not a language of the site. "
                            f"Fix: use some of {sorted(known_languages)}")
    problems += colour_problems(partner.colours)
    if problems:
        raise PartnerError("\n".join(f"{path}: {p}" for p in problems))
    return partner


def partner_css(partner: Partner) -> str:
    """The design tokens a partner overrides (served as /static/partner.css)."""
    c = partner.colours
    return (":root{"
            f"--c-primary:{c.primary};--c-on-primary:{c.on_primary};--c-link:{c.link};--c-focus:{c.focus}"
            "}\n.c-header__logo{background:#fff;padding:.25rem}\n")


def apply_to_config(partner: Partner, config):
    """The site configuration with the partner's address, languages, council and feedback."""
    p = partner.partnership
    languages = [lang for lang in config.languages if lang.code in p.languages]
    site = config.site.model_copy(update={
        "base_url": p.base_url.rstrip("/"),
        "feedback_email": p.feedback_email,
        "feedback_url": p.feedback_url,
        "default_council": p.councils[0],
    })
    return config.model_copy(update={"site": site, "languages": languages})


def init_app(app, partner: Partner) -> None:
    """Partner templates first, then the defaults; serve the logo and the colour tokens."""
    from flask import Blueprint
    from flask import Response
    from flask import send_file
    from jinja2 import ChoiceLoader
    from jinja2 import FileSystemLoader

    if partner.templates_dir.is_dir():
        app.jinja_loader = ChoiceLoader([FileSystemLoader(str(partner.templates_dir)), app.jinja_loader])
    bp = Blueprint("partner", __name__)
    css = partner_css(partner)

    @bp.route("/static/partner/partner.css")
    def stylesheet():
        return Response(css, mimetype="text/css")

    @bp.route(f"/static/partner/logo{partner.logo_path.suffix.lower()}")
    def logo():
        return send_file(partner.logo_path, max_age=86400)

    app.register_blueprint(bp)
    state = app.extensions["sds"]

    def urls():
        yield "partner.stylesheet", {}
        yield "partner.logo", {}

    state.add_urls(urls, sitemap=False)
    from finder.geo import load_geography

    geography = load_geography()
    app.jinja_env.globals["partner_councils"] = [geography.by_code[c] for c in partner.partnership.councils]
