"""Real-browser checks, each a function of a Playwright page that returns a list of problems
(strings naming the element). The tests in test_browser.py run them over the built site; the
gates' own tests (test_gates_catch.py) run them over deliberately broken pages.
"""
from __future__ import annotations

from dataclasses import dataclass

VIEWPORTS = {"320x568": {"width": 320, "height": 568}, "390x844": {"width": 390, "height": 844}}
MIN_TARGET = 24  # WCAG 2.2 2.5.8 Target Size (Minimum), CSS px
GOOD_TARGET = 44  # the project's target (GOV.UK, WCAG 2.5.5)

# A short description of an element for messages: tag#id.class "text"
_DESCRIBE = r"""
function describe(el) {
  if (!el || el === document.body) return 'body';
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  if (typeof el.className === 'string' && el.className.trim()) s += '.' + el.className.trim().split(/\s+/).join('.');
  const href = el.getAttribute && el.getAttribute('href');
  if (href) s += '[href="' + href + '"]';
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().replace(/\s+/g, ' ');
  if (text) s += ' "' + text.slice(0, 40) + '"';
  return s;
}
function rendered(el) {
  if (el.checkVisibility) return el.checkVisibility({visibilityProperty: true, contentVisibilityAuto: true});
  const style = getComputedStyle(el);
  return style.visibility === 'visible' && style.display !== 'none';
}
function effectiveBackground(el) {
  // the colour a reader sees behind the element: its own background, or the nearest ancestor's
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    const bg = getComputedStyle(node).backgroundColor;
    const m = bg.match(/rgba?\(([^)]+)\)/);
    const parts = m ? m[1].split(/[ ,\/]+/).filter(Boolean) : [];
    if (parts.length < 4 || parseFloat(parts[3]) > 0.1) return bg.replace(/^rgba\(([^,]+),([^,]+),([^,]+),[^)]+\)$/, 'rgb($1,$2,$3)');
  }
  return 'rgb(255, 255, 255)';
}
function visible(el) {
  if (!rendered(el)) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}
"""


def _js(body: str) -> str:
    """A page function `body` (an arrow function) with the helpers above in scope."""
    return "(arg) => {\n" + _DESCRIBE + "\nreturn (" + body.strip() + ")(arg);\n}"

# --- reflow ----------------------------------------------------------------------------------------
OVERFLOW_JS = _js(r"""
() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const out = [];
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll' || o === 'hidden' || o === 'clip') return true; }
    return false; };
  for (const el of document.body.querySelectorAll('*')) {
    if (!visible(el)) continue;
    const r = el.getBoundingClientRect();
    if ((r.right > width + 1 || r.left < -1) && r.right > 0 && r.left < width && !scrolls(el)) out.push(el);
  }
  // the innermost culprits are the ones to fix
  const leaves = out.filter(el => !out.some(other => other !== el && el.contains(other)));
  return {scrollWidth: Math.max(doc.scrollWidth, document.body.scrollWidth), width,
          culprits: leaves.slice(0, 5).map(el => { const r = el.getBoundingClientRect();
            return describe(el) + ' (' + Math.round(r.left) + '..' + Math.round(r.right) + ' px)'; })};
}
""")


def horizontal_overflow(page) -> list[str]:
    """No horizontal scrolling at this viewport (WCAG 1.4.10 Reflow)."""
    result = page.evaluate(OVERFLOW_JS)
    if result["scrollWidth"] > result["width"]:
        return [f"the page scrolls sideways: {result['scrollWidth']} px of content in a {result['width']} px "
                f"viewport; widest: {'; '.join(result['culprits']) or '?'}"]
    return []


ZOOM_CSS = "html { font-size: 200% !important; }"
BODY_TEXT_SIZE_JS = r"""
() => { const el = document.querySelector('main p, main li, main a, main label, main h1') || document.body;
        return parseFloat(getComputedStyle(el).fontSize); }
"""


def text_zoom_reflows(page) -> list[str]:
    """Text at 200% (the reader's own font-size setting doubled): the text really grows (sizes in
    rem/em, not px) and the page still does not scroll sideways (WCAG 1.4.4 and 1.4.10)."""
    before = page.evaluate(BODY_TEXT_SIZE_JS)
    page.add_style_tag(content=ZOOM_CSS)
    after = page.evaluate(BODY_TEXT_SIZE_JS)
    problems = []
    if after < before * 1.9:
        problems.append(f"text does not scale with the reader's font size: {before:g} px -> {after:g} px at 200% "
                        "(set font sizes in rem or em, not px)")
    problems += [p.replace("the page scrolls sideways", "at 200% text the page scrolls sideways")
                 for p in horizontal_overflow(page)]
    return problems


# --- target size ---------------------------------------------------------------------------------
TARGETS_JS = _js(r"""
([minimum, good]) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [role=link], [role=tab], [tabindex]:not([tabindex="-1"])';
  const items = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!visible(el) || el.closest('[inert], [aria-hidden=true]')) continue;
    let r = el.getBoundingClientRect();
    if (r.right + scrollX <= 0 || r.bottom + scrollY <= 0) continue;  // off screen until focused (the skip link)
    if (el.matches('input[type=radio], input[type=checkbox]') && el.labels && el.labels.length) {
      // the label is part of the target: a pointer on it sets the control
      const l = el.labels[0].getBoundingClientRect();
      const left = Math.min(r.left, l.left), top = Math.min(r.top, l.top);
      r = {left, top, width: Math.max(r.right, l.right) - left, height: Math.max(r.bottom, l.bottom) - top};
    }
    const style = getComputedStyle(el);
    let inline = false;
    if (style.display === 'inline' && el.tagName === 'A') {
      // WCAG 2.5.8 "inline" exception: a link inside a sentence, sized by the line of text
      let block = el.parentElement;
      while (block && getComputedStyle(block).display.startsWith('inline')) block = block.parentElement;
      const own = (el.textContent || '').trim().length;
      const all = block ? (block.textContent || '').trim().length : own;
      inline = all > own + 1;
    }
    items.push({el, name: describe(el), left: r.left, top: r.top, width: r.width, height: r.height, inline});
  }
  const small = items.filter(t => !t.inline && (t.width < minimum - 0.01 || t.height < minimum - 0.01));
  const centre = t => [t.left + t.width / 2, t.top + t.height / 2];
  const distanceToRect = ([x, y], t) => Math.hypot(Math.max(t.left - x, 0, x - (t.left + t.width)),
                                                   Math.max(t.top - y, 0, y - (t.top + t.height)));
  const failing = [];
  for (const t of small) {
    // the spacing exception: a 24 px circle on its centre touches no other target or small target's circle
    const c = centre(t);
    const crowded = items.some(o => o !== t && !o.el.contains(t.el) && !t.el.contains(o.el) && distanceToRect(c, o) < minimum / 2)
      || small.some(o => o !== t && Math.hypot(c[0] - centre(o)[0], c[1] - centre(o)[1]) < minimum);
    if (crowded) failing.push(t);
  }
  const size = t => Math.round(t.width) + 'x' + Math.round(t.height);
  return {
    failing: failing.map(t => t.name + ' is ' + size(t) + ' px'),
    underGood: items.filter(t => !t.inline && (t.width < good - 0.01 || t.height < good - 0.01))
                    .map(t => t.name + ' ' + size(t)),
    inline: items.filter(t => t.inline).length,
    total: items.length,
  };
}
""")


@dataclass
class TargetReport:
    failing: list[str]  # under 24x24 px with no exception: a WCAG 2.2 AA failure
    under_good: list[str]  # under 44x44 px: the project's target, reported
    inline: int  # links inside sentences (exempt)
    total: int


def target_sizes(page) -> TargetReport:
    r = page.evaluate(TARGETS_JS, [MIN_TARGET, GOOD_TARGET])
    return TargetReport(r["failing"], r["underGood"], r["inline"], r["total"])


# --- focus ---------------------------------------------------------------------------------------
FOCUS_PREPARE_JS = _js(r"""
() => {
  const props = ['outlineStyle', 'outlineWidth', 'outlineColor', 'outlineOffset', 'boxShadow', 'backgroundColor',
                 'color', 'borderTopColor', 'borderBottomColor', 'borderTopWidth', 'borderBottomWidth',
                 'textDecorationLine', 'textDecorationThickness'];
  const selector = 'a[href], area[href], button, input:not([type=hidden]), select, textarea, summary, iframe, [tabindex], [contenteditable=true]';
  const expected = [];
  let n = 0;
  for (const el of document.querySelectorAll(selector)) {
    if (el.disabled || el.tabIndex < 0 || el.closest('[inert]') || !rendered(el)) continue;
    const style = getComputedStyle(el);
    el.dataset.qaFocus = String(n++);
    const snap = {};
    for (const p of props) snap[p] = style[p];
    snap.effectiveBackground = effectiveBackground(el);
    window.__qaUnfocused = window.__qaUnfocused || {};
    window.__qaUnfocused[el.dataset.qaFocus] = snap;
    if (el.type === 'radio' && el.name) {  // one stop per radio group
      if (expected.some(e => e.radio === el.name)) continue;
      expected.push({id: el.dataset.qaFocus, name: describe(el), radio: el.name});
    } else expected.push({id: el.dataset.qaFocus, name: describe(el), radio: null});
  }
  window.__qaProps = props;
  return expected;
}
""")

FOCUS_STATE_JS = _js(r"""
() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const id = el.dataset ? el.dataset.qaFocus : undefined;
  const style = getComputedStyle(el);
  const before = (window.__qaUnfocused || {})[id] || {};
  const changed = p => before[p] !== undefined && before[p] !== style[p];
  const alpha = c => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return 1; const v = m[1].split(/[ ,\/]+/).filter(Boolean); return v.length > 3 ? parseFloat(v[3]) : 1; };
  const indicators = [];
  if (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1 && alpha(style.outlineColor) > 0.1
      && (changed('outlineStyle') || changed('outlineColor') || changed('outlineWidth'))) indicators.push('outline');
  if (style.boxShadow !== 'none' && changed('boxShadow')) indicators.push('box-shadow');
  if (before.effectiveBackground !== undefined && before.effectiveBackground !== effectiveBackground(el)) indicators.push('background');
  if (changed('borderTopColor') || changed('borderBottomColor') || changed('borderTopWidth') || changed('borderBottomWidth')) indicators.push('border');
  if (changed('color')) indicators.push('colour');
  if (changed('textDecorationLine') || changed('textDecorationThickness')) indicators.push('underline');
  // obscured? look at points across the part of the element inside the viewport
  const r = el.getBoundingClientRect();
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const left = Math.max(r.left, 0), right = Math.min(r.right, vw), top = Math.max(r.top, 0), bottom = Math.min(r.bottom, vh);
  let seen = false, onScreen = right > left && bottom > top && r.width >= 2 && r.height >= 2;
  if (onScreen) {
    const xs = [left + 2, (left + right) / 2, right - 2], ys = [top + 2, (top + bottom) / 2, bottom - 2];
    for (const x of xs) for (const y of ys) {
      const hit = document.elementFromPoint(x, y);
      if (hit && (hit === el || el.contains(hit) || (el.labels && [...el.labels].some(l => l.contains(hit))))) seen = true;
    }
  }
  return {id, name: describe(el), indicators, onScreen, seen, size: [Math.round(r.width), Math.round(r.height)],
          radio: el.type === 'radio' ? el.name : null};
}
""")


START_JS = r"""
() => {
  // Put the browser's "sequential focus navigation starting point" at the top of the page, as on a
  // fresh load (blur() alone leaves it where focus last was): focus a temporary element placed first
  // in <body>, which the next Tab leaves and which removes itself when it loses focus.
  window.scrollTo(0, 0);
  const start = document.createElement('span');
  start.tabIndex = -1;
  start.addEventListener('blur', () => start.remove(), {once: true});
  document.body.prepend(start);
  start.focus({preventScroll: true});
}
"""


def start_from_top(page) -> None:
    page.evaluate(START_JS)


@dataclass
class FocusReport:
    problems: list[str]
    stops: int


def focus_walk(page, max_extra: int = 10) -> FocusReport:
    """Tab through the page from the top: every stop shows a visible focus indicator (a style change
    while focused: WCAG 2.4.7) and is not entirely hidden behind other content (2.4.11); every
    focusable element is reached."""
    expected = page.evaluate(FOCUS_PREPARE_JS)
    start_from_top(page)
    problems: list[str] = []
    reached: set[str] = set()
    radios: set[str] = set()
    stops = 0
    for _ in range(len(expected) + max_extra):
        page.keyboard.press("Tab")
        state = page.evaluate(FOCUS_STATE_JS)
        if state is None:
            break  # focus left the page: the end of the tab order
        if state["id"] is not None and state["id"] in reached:
            break  # wrapped round
        stops += 1
        if state["id"] is not None:
            reached.add(state["id"])
        if state["radio"]:
            radios.add(state["radio"])
        where = state["name"]
        if not state["onScreen"]:
            problems.append(f"{where}: focused but not on screen ({state['size'][0]}x{state['size'][1]} px)")
        elif not state["seen"]:
            problems.append(f"{where}: focused but entirely hidden behind other content (2.4.11)")
        if not state["indicators"]:
            problems.append(f"{where}: no visible focus indicator (nothing changes when it is focused)")
    for item in expected:
        if item["id"] not in reached and not (item["radio"] and item["radio"] in radios):
            problems.append(f"{item['name']}: cannot be reached with the Tab key")
    return FocusReport(problems, stops)


def skip_link(page) -> list[str]:
    """The first Tab stop is a visible "skip" link whose target exists; Enter moves focus there."""
    start_from_top(page)
    page.keyboard.press("Tab")
    first = page.evaluate(_js(r"""
      () => { const el = document.activeElement; if (!el || el.tagName !== 'A') return null;
        const href = el.getAttribute('href') || ''; const r = el.getBoundingClientRect();
        const target = href.startsWith('#') ? document.getElementById(decodeURIComponent(href.slice(1))) : null;
        return {name: describe(el), href, target: !!target, inside: r.left >= 0 && r.top >= 0 &&
                r.right <= document.documentElement.clientWidth && r.bottom <= innerHeight,
                width: r.width, height: r.height}; }"""))
    if first is None or not first["href"].startswith("#"):
        return ["the first Tab stop is not a skip link to the main content"]
    problems = []
    if not first["target"]:
        problems.append(f"skip link {first['name']}: its target {first['href']} does not exist")
    if not first["inside"] or first["width"] < MIN_TARGET or first["height"] < MIN_TARGET:
        problems.append(f"skip link {first['name']}: not fully visible when focused "
                        f"({first['width']:.0f}x{first['height']:.0f} px)")
    if problems:
        return problems
    page.keyboard.press("Enter")
    page.wait_for_timeout(50)
    landed = page.evaluate("""href => { const target = document.getElementById(decodeURIComponent(href.slice(1)));
        const el = document.activeElement; return {hash: location.hash, inTarget: !!target && (el === target || target.contains(el))}; }""",
                           first["href"])
    if landed["hash"] != first["href"]:
        problems.append(f"skip link: Enter did not go to {first['href']} (address shows {landed['hash']!r})")
    if not landed["inTarget"]:
        # some browsers move only the sequential focus starting point: the next Tab must land inside
        page.keyboard.press("Tab")
        inside = page.evaluate("""href => { const t = document.getElementById(decodeURIComponent(href.slice(1)));
            return !!t && t.contains(document.activeElement); }""", first["href"])
        if not inside:
            problems.append(f"skip link: after Enter, focus is not in {first['href']} (give it tabindex=\"-1\")")
    return problems


# --- motion, colours, console ----------------------------------------------------------------------
MOTION_JS = _js(r"""
() => {
  const out = [];
  if (!matchMedia('(prefers-reduced-motion: reduce)').matches) return ['TOOL: prefers-reduced-motion is not emulated'];
  if (getComputedStyle(document.documentElement).scrollBehavior === 'smooth') out.push('html: smooth scrolling');
  for (const el of [document.documentElement, ...document.querySelectorAll('body, body *')]) {
    const s = getComputedStyle(el);
    const durations = v => v.split(',').map(x => parseFloat(x) || 0);
    if (s.animationName !== 'none' && Math.max(...durations(s.animationDuration)) > 0) out.push(describe(el) + ': animation ' + s.animationName);
    if (s.transitionProperty !== 'none' && Math.max(...durations(s.transitionDuration)) > 0) out.push(describe(el) + ': transition ' + s.transitionProperty + ' ' + s.transitionDuration);
    if (el.tagName === 'VIDEO' && el.autoplay) out.push(describe(el) + ': video plays by itself');
    if (el.tagName === 'MARQUEE') out.push('marquee');
  }
  for (const a of document.getAnimations()) out.push('running animation on ' + describe(a.effect && a.effect.target));
  return out.slice(0, 20);
}
""")


def reduced_motion(page) -> list[str]:
    """With prefers-reduced-motion: reduce, nothing moves: no animations or transitions, no smooth
    scrolling, no autoplaying video (WCAG 2.3.3)."""
    return page.evaluate(MOTION_JS)


FORCED_JS = _js(r"""
() => {
  if (!matchMedia('(forced-colors: active)').matches) return ['TOOL: forced-colors is not emulated'];
  const out = [];
  // controls must keep a visible edge when the browser replaces every background with one colour
  for (const el of document.querySelectorAll('button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea, .c-button')) {
    if (!visible(el)) continue;
    const s = getComputedStyle(el);
    const edge = ['Top', 'Bottom', 'Left', 'Right'].some(side => s['border' + side + 'Style'] !== 'none' && parseFloat(s['border' + side + 'Width']) >= 1);
    if (!edge && s.forcedColorAdjust !== 'none') out.push(describe(el) + ': no border, so in forced colours it shows as plain text');
  }
  return out;
}
""")


def forced_colours(page) -> list[str]:
    """In forced-colours mode (Windows High Contrast) controls keep visible edges; the focus walk
    is run as well by the test (box-shadow and background focus styles disappear in this mode)."""
    return page.evaluate(FORCED_JS)
