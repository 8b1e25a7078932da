"""Rendering: heading ids, links resolved per language and variant, blocks and Easy Read pictures."""
from __future__ import annotations

from sds_site.markdown import slugify


def html_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_slugify_makes_stable_ids():
    assert slugify("What is an assessment?") == "what-is-an-assessment"
    assert slugify("Employers' liability insurance") == "employers-liability-insurance"
    assert slugify("Gàidhlig à la carte") == "gaidhlig-a-la-carte"


def test_headings_get_ids_and_explicit_ids_win(client):
    html = html_of(client, "/en/the-four-options/")
    assert '<h2 id="option-1-a-direct-payment">Option 1: a direct payment</h2>' in html
    assert '<h2 id="choose-someone-arranges">Option 2</h2>' in html
    assert "{#" not in html


def test_links_resolve_for_variant_and_route(client):
    html = html_of(client, "/en/")
    assert '<a href="/en/the-four-options/">the four options</a>' in html
    assert '<a href="/en/the-four-options/#option-1-a-direct-payment">option 1</a>' in html
    html = html_of(client, "/en/the-four-options/")
    assert '<a href="/en/easy-read/the-four-options/">Easy Read version</a>' in html
    assert '<a href="/en/find/">Find local support</a>' in html
    html = html_of(client, "/en/easy-read/the-four-options/")
    assert '<a href="/en/the-four-options/#choose-someone-arranges">full page</a>' in html


def test_blocks_render_as_callout_and_address(client):
    html = html_of(client, "/en/")
    assert '<div class="c-callout c-callout--callout">' in html
    assert '<address class="c-contact">\n<p><strong>Care Information Scotland</strong>\nPhone: 0800 011 3200</p>\n</address>' in html


def test_raw_html_in_content_is_escaped(client):
    html = html_of(client, "/en/")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_easy_read_idea_has_picture_beside_words(client):
    html = html_of(client, "/en/easy-read/")
    assert '<div class="c-idea"><img class="c-idea__picture" src="/static/pictures/phone.svg?v=' in html
    assert 'alt="A telephone" width="64" height="64"><p class="c-idea__text">You can phone the council.<br>\nThey will help you.</p></div>' in html
    assert 'class="t-easy-read"' in html


def test_variant_switch_links_twins(client):
    assert 'href="/en/easy-read/the-four-options/"' in html_of(client, "/en/the-four-options/")
    assert 'href="/en/the-four-options/">Read the full version' in html_of(client, "/en/easy-read/the-four-options/")


def test_unknown_page_and_language_are_404(client):
    assert client.get("/en/no-such-page/").status_code == 404
    assert client.get("/xx/").status_code == 404
    assert client.get("/en/index/").status_code == 404
    assert "Page not found" in client.get("/en/no-such-page/").get_data(as_text=True)


def test_root_is_a_real_page_linking_to_english(client):
    html = html_of(client, "/")
    assert '<meta http-equiv="refresh" content="0; url=/en/">' in html
    assert '<a href="/en/">' in html


def test_sitemap_uses_absolute_urls(make_app):
    client = make_app(base_url="https://sds.example.org").test_client()
    xml = client.get("/sitemap.xml").get_data(as_text=True)
    assert "<loc>https://sds.example.org/en/</loc>" in xml
    assert "<loc>https://sds.example.org/en/easy-read/the-four-options/</loc>" in xml
    assert "404" not in xml
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: https://sds.example.org/sitemap.xml" in robots
