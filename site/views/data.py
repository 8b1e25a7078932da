"""Open data: the directory and postcode shards written into every build, and `sds-site directory`."""
from __future__ import annotations

import argparse
from datetime import date

from finder.directory import default_directory
from finder.directory import directory_report
from finder.geo import load_geography
from finder.opendata import write_open_data

from ..state import SiteState


def init_app(app) -> None:
    state: SiteState = app.extensions["sds"]
    directory = default_directory()
    for entry in directory.stale(date.today()):
        state.warnings.append(f"directory entry {entry.id!r} was last checked on {entry.last_checked}, "
                              "over 12 months ago: check it against its sources")

    def write(staging):
        write_open_data(staging, load_geography(), directory, state.config.site.base_url)

    write.independent = True  # writes only under /data/, which no page uses: may run beside the freeze
    state.post_build.append(write)


def cmd_directory(args: argparse.Namespace) -> int:
    print(directory_report(default_directory(), date.today()))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("directory", help="report on the local support directory")
    p.add_argument("action", choices=["report"])
    p.set_defaults(func=cmd_directory)
