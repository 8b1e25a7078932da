"""Links: every internal link, anchor and asset in the built site resolves (0 broken).

Checked: every URL attribute of every HTML page (a, link, img and srcset, source, script, form
action, meta refresh ...), url() and @import in every stylesheet, the sitemap and robots.txt.
Absolute links to the site's own base URL count as internal. A link to a folder without its trailing
slash counts as broken: a static host would need a redirect, which the site never relies on.
External links (other hosts, mailto:, tel:) are not fetched (CI has no internet): they are listed
in reports/external-links.txt for a person or a scheduled job to check.
"""
from __future__ import annotations

import pytest

from .static_checks import check_links
from .static_checks import group_broken
from .static_checks import write_external_report
from .tools import report_path


def test_every_internal_link_anchor_and_asset_resolves(real_build, page_index, site_config):
    report = check_links(real_build, page_index, site_config.site.base_url)
    write_external_report(report, report_path("external-links.txt"))
    print(f"\nlinks: {report.checked:,} internal references checked on {len(page_index):,} pages; "
          f"{len(report.external):,} distinct external links listed in reports/external-links.txt")
    assert report.checked >= len(page_index), "the link check found almost nothing to check: is the build empty?"
    if report.broken:
        pytest.fail(f"{len(report.broken):,} broken internal reference(s) to "
                    f"{len({(b.value, b.problem) for b in report.broken})} target(s):\n" + group_broken(report.broken),
                    pytrace=False)
