"""Valid HTML: the Nu Html Checker (npm vnu-jar, run with Java) reports zero errors on the pa11y page
set, plus the redirect pages (/ and a /q/ short address), which pa11y cannot test. Every message,
warnings included, is written to reports/vnu.txt."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote
from urllib.parse import urlsplit

import pytest

from .pages import vnu_pages
from .tools import report_path
from .tools import run_vnu


def _file_of(message: dict) -> Path:
    return Path(unquote(urlsplit(message.get("url", "")).path)).resolve()


def format_message(message: dict, urls: dict[Path, str]) -> str:
    where = urls.get(_file_of(message), message.get("url", "?"))
    line = message.get("lastLine", "?")
    extract = (message.get("extract") or "").replace("\n", " ").strip()
    kind = message.get("subType") or message.get("type")
    return f"{where}:{line}: {kind}: {message.get('message', '').strip()}" + (f"  [{extract[:100]}]" if extract else "")


def test_pages_are_valid_html(built_pages):
    pages = vnu_pages(built_pages)
    assert pages
    urls = {p.file.resolve(): p.url for p in pages}
    messages = run_vnu([p.file for p in pages])
    report_path("vnu.txt").write_text(
        f"# Nu Html Checker over {len(pages)} pages\n" + "\n".join(format_message(m, urls) for m in messages) + "\n",
        encoding="utf-8")
    errors = [m for m in messages if m.get("type") in ("error", "non-document-error")]
    if errors:
        pytest.fail(f"{len(errors)} HTML error(s) on {len({_file_of(m) for m in errors})} of {len(pages)} pages "
                    "(all messages in reports/vnu.txt):\n" + "\n".join(format_message(m, urls) for m in errors[:150]),
                    pytrace=False)
