"""Site configuration: one validated schema, loaded from `site/site.toml`.

A partnership copy (see `sds_site.partner`) overrides parts of it. Errors name the file and key.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError
from pydantic import field_validator

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DEFAULT_CONFIG_FILE = PACKAGE_DIR / "site.toml"


class ConfigError(Exception):
    """A configuration file is wrong. The message names the file, the key and the fix."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Language(Strict):
    code: str = Field(pattern=r"^[a-z]{2,3}$")
    name: str = Field(min_length=1)
    dir: Literal["ltr", "rtl"] = "ltr"


class Readability(Strict):
    max_sentence_words: int = Field(gt=0)
    min_reading_ease: float


class SiteSection(Strict):
    base_url: str = Field(pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    feedback_email: str = ""
    feedback_url: str = ""
    default_council: str = ""

    @field_validator("base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")


class Checks(Strict):
    # Initials that need no explanation on a standard page (and may appear in Easy Read).
    allowed_acronyms: list[str] = []


class SiteConfig(Strict):
    site: SiteSection
    languages: list[Language] = Field(min_length=1)
    readability: dict[Literal["standard", "easy-read"], Readability]
    checks: Checks = Checks()

    @field_validator("languages")
    @classmethod
    def _english_first(cls, value: list[Language]) -> list[Language]:
        codes = [lang.code for lang in value]
        if codes[0] != "en":
            raise ValueError("the first language must be 'en' (English is the source language)")
        if len(set(codes)) != len(codes):
            raise ValueError(f"a language is listed twice: {codes}")
        return value

    @property
    def language_codes(self) -> list[str]:
        return [lang.code for lang in self.languages]

    def language(self, code: str) -> Language:
        for lang in self.languages:
            if lang.code == code:
                return lang
        raise KeyError(code)


def load_config(path: Path | None = None, overrides: dict | None = None) -> SiteConfig:
    """Read and validate the site configuration; `overrides` replace keys of `[site]`."""
    path = Path(path or DEFAULT_CONFIG_FILE)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}). Fix the syntax at that line.") from exc
    site = dict(data.get("site", {}))
    if os.environ.get("SDS_BASE_URL"):
        site["base_url"] = os.environ["SDS_BASE_URL"]
    site.update({k: v for k, v in (overrides or {}).items() if v is not None})
    data["site"] = site
    try:
        return SiteConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise ConfigError("\n".join(lines)) from exc
