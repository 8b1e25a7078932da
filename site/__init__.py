"""The Self-directed Support in Scotland site: a Flask app that is frozen into static files.

`create_app()` is the application factory. Content, configuration and pictures are loaded and
validated once, up front: a problem in any of them raises before a single page is rendered.
"""
from __future__ import annotations

from importlib import import_module
from pathlib import Path

from flask import Flask
from flask import request
from flask_babel import Babel
from flask_babel import refresh

from .config import PROJECT_DIR
from .config import SiteConfig
from .config import load_config
from .features import FEATURES
from .i18n import install_template_gettext
from .state import SiteState

__all__ = ["create_app", "SiteState", "SiteConfig"]


def _select_locale() -> str:
    state: SiteState = SiteState.current()
    lang = (request.view_args or {}).get("lang") if request else None
    return lang if lang in state.config.language_codes else "en"


def create_app(config: SiteConfig | None = None, *, content_dir: Path | None = None,
               project_dir: Path | None = None, testing: bool = False, partner=None) -> Flask:
    """Build the app. Tests pass their own config and content folder; a partner brands the copy."""
    project_dir = Path(project_dir or PROJECT_DIR)
    config = config or load_config()
    if partner is not None:
        from .partner import apply_to_config

        config = apply_to_config(partner, config)
    state = SiteState.load(config, content_dir=content_dir or project_dir / "content",
                           project_dir=project_dir, partner=partner)

    app = Flask(__name__, static_folder="static", static_url_path="/static")
    app.config.update(
        TESTING=testing,
        BABEL_TRANSLATION_DIRECTORIES=str(project_dir / "translations"),
        BABEL_DEFAULT_LOCALE="en",
        FREEZER_DESTINATION=str(project_dir / "build"),
        FREEZER_REMOVE_EXTRA_FILES=False,
        FREEZER_LOG_URL_FOR=False,
        JSON_SORT_KEYS=True,
        MAX_CONTENT_LENGTH=16 * 1024,
    )
    app.url_map.strict_slashes = True
    app.extensions["sds"] = state
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.auto_reload = False
    Babel(app, locale_selector=_select_locale)
    install_template_gettext(app, config.language_codes)

    @app.before_request
    def _fresh_locale() -> None:
        # Frozen-Flask renders every page in one app context: without this, the first page's
        # language would leak into every later page (toolchain trap 1).
        refresh()

    from .views import meta
    from .views import pages

    app.register_blueprint(pages.bp)
    meta.init_app(app)
    if partner is not None:
        from .partner import init_app as init_partner

        init_partner(app, partner)
    for name in FEATURES:
        import_module(name).init_app(app)
    state.register_template_helpers(app)
    return app
