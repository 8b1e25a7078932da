"""`sds-site`: the one command for building, checking and serving the site.

    sds-site build [--out build] [--base-url URL] [--jobs N]
    sds-site check
    sds-site serve [--host 127.0.0.1] [--port 8000] [--production]
Every error names the file, the line and the fix, and exits with status 1 without touching build/.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .config import PROJECT_DIR
from .config import ConfigError
from .config import load_config
from .content import ContentError

EXIT_OK = 0
EXIT_ERROR = 1


class UserError(Exception):
    """A problem the person running the command can fix; printed without a traceback."""


def _make_app(args: argparse.Namespace):
    from . import create_app

    config = load_config(overrides={"base_url": getattr(args, "base_url", None)})
    partner = None
    if getattr(args, "partner", None):
        from finder.geo import load_geography

        from .partner import PartnerError
        from .partner import load_partner

        try:
            partner = load_partner(Path(args.partner), set(load_geography().by_code),
                                   set(config.language_codes))
        except PartnerError as exc:
            raise UserError(f"the partner folder has problems; nothing was built or changed:\n{exc}") from exc
    return create_app(config, project_dir=Path(args.project).resolve(), partner=partner)


def cmd_build(args: argparse.Namespace) -> int:
    from .build import build

    app = _make_app(args)
    out = Path(args.out) if args.out else Path(args.project) / "build"
    progress = None
    if sys.stderr.isatty():
        def progress(line: str) -> None:
            print(f"\r  building: {line}", end="", file=sys.stderr, flush=True)
    report = build(app, out, jobs=args.jobs, progress=progress)
    if progress is not None:
        print("\r\033[K", end="", file=sys.stderr, flush=True)
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    languages = [code for code in app.extensions["sds"].config.language_codes] + ["other"]
    print(f"{'pages':<8}{'standard':>10}{'easy-read':>11}")
    for lang in languages:
        standard, easy = report.breakdown.get((lang, "standard"), 0), report.breakdown.get((lang, "easy-read"), 0)
        if standard or easy:
            print(f"{lang:<8}{standard:>10,}{easy:>11,}")
    print(f"Built {report.pages:,} pages ({report.files:,} files) in {report.seconds:.2f} s "
          f"({report.pages_per_second:,.0f} pages/s, {report.jobs} processes) into {report.out}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    app = _make_app(args)
    state = app.extensions["sds"]
    for warning in state.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"OK: {len(state.content.pages)} pages checked.")
    if args.readability:
        from .checks import readability_report

        print(readability_report(state.content))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import serve

    app = _make_app(args)
    return serve(app, host=args.host, port=args.port, production=args.production, reload=args.reload)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sds-site", description=__doc__.splitlines()[0])
    p.add_argument("--project", default=str(PROJECT_DIR), help="project folder (default: this checkout)")
    sub = p.add_subparsers(dest="command", required=True)

    b = sub.add_parser("build", help="validate everything and write the static site")
    b.add_argument("--out", help="output folder (default: build/)")
    b.add_argument("--base-url", help="the address the site is published at")
    b.add_argument("--jobs", type=int, default=None, help="processes to freeze with (default: one per core)")
    b.add_argument("--partner", help="a partner folder (partner.toml, logo, pages): build its branded copy")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="validate content, data and configuration, reporting every problem")
    c.add_argument("--partner", help="also check a partner folder")
    c.add_argument("--readability", action="store_true",
                   help="also print readability figures per variant (sentence length, reading ease)")
    c.set_defaults(func=cmd_check)

    s = sub.add_parser("serve", help="serve the live site (default http://127.0.0.1:8000)")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--production", action="store_true", help="serve with waitress and strict headers")
    s.add_argument("--no-reload", dest="reload", action="store_false",
                   help="development server: do not restart when code, content, data or translations change")
    s.add_argument("--base-url", help="the address the site is published at")
    s.add_argument("--partner", help="serve a partner's branded copy")
    s.set_defaults(func=cmd_serve)

    for register in _extensions():
        register(sub)
    return p


def _extensions():
    """Subcommands that other modules add (directory, translations, leaflets)."""
    from .commands import REGISTRARS

    return REGISTRARS


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ContentError as exc:
        print(f"The content has {len(exc.issues)} problem(s); nothing was built or changed:", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return EXIT_ERROR
    except (ConfigError, UserError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
