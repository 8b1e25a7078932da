"""Weight budgets for every built page, gzip level 9 (as benchmarks/build.py measures):
- the HTML plus the CSS needed for the first render (screen stylesheets and what they @import)
  is at most 14 KB: it arrives in the first round trips of a new connection on a weak signal;
- everything the page loads (that, plus pictures, scripts, the icon and files the CSS pulls in) is
  at most 60 KB. For a srcset the largest candidate counts. Pictures that are already compressed
  (PNG, JPEG, WebP, fonts) count at their file size.
Each failure names the page and the bytes, part by part. All pages' figures: reports/weights.tsv.
"""
from __future__ import annotations

import statistics

import pytest

from .static_checks import FIRST_RENDER_BUDGET
from .static_checks import TOTAL_BUDGET
from .static_checks import Weigher
from .static_checks import Weight
from .static_checks import weigh
from .tools import report_path


@pytest.fixture(scope="module")
def weights(real_build, page_index) -> list[Weight]:
    weigher = Weigher(real_build)
    result = [weigh(real_build, facts, weigher) for facts in page_index.values()]
    lines = ["page\tfirst_render_gzip_bytes\ttotal_gzip_bytes\tparts"]
    lines += [f"{w.url}\t{w.first_render}\t{w.total}\t{w.describe('total')}" for w in result]
    report_path("weights.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return result


def _summary(values: list[int]) -> str:
    return f"min {min(values):,} B, median {statistics.median(values):,.0f} B, max {max(values):,} B"


def test_first_render_is_at_most_14_kb(weights):
    assert weights
    print(f"\nfirst render (HTML + CSS, gzip) over {len(weights):,} pages: {_summary([w.first_render for w in weights])}")
    over = sorted((w for w in weights if w.first_render > FIRST_RENDER_BUDGET), key=lambda w: -w.first_render)
    if over:
        pytest.fail(f"{len(over)} page(s) over the first-render budget of {FIRST_RENDER_BUDGET:,} B gzipped:\n"
                    + "\n".join(f"{w.url}: {w.first_render:,} B ({w.describe('first')})" for w in over[:50]),
                    pytrace=False)


def test_total_transfer_is_at_most_60_kb(weights):
    print(f"\ntotal transfer (gzip) over {len(weights):,} pages: {_summary([w.total for w in weights])}")
    over = sorted((w for w in weights if w.total > TOTAL_BUDGET), key=lambda w: -w.total)
    if over:
        pytest.fail(f"{len(over)} page(s) over the total budget of {TOTAL_BUDGET:,} B gzipped:\n"
                    + "\n".join(f"{w.url}: {w.total:,} B ({w.describe('total')})" for w in over[:50]), pytrace=False)


def test_every_loaded_file_can_be_weighed(weights):
    """A file from another host cannot be weighed (and the site loads nothing from other hosts)."""
    unmeasured = [(w.url, u) for w in weights for u in w.unmeasured]
    if unmeasured:
        pytest.fail("pages load files from other hosts:\n" + "\n".join(f"{p}: {u}" for p, u in unmeasured[:50]),
                    pytrace=False)
