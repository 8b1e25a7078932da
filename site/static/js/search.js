/* Search in the browser, from the static index (site/search/static_index.py).
   Progressive enhancement: without this script the form still works on the live server, and the
   search page lists every page by topic. Each step mirrors site/search/query.py, in the same order
   (tests/test_search_js.py runs both on the same queries). Budget: 5 KB gzipped. */
(() => {
  'use strict';
  const $ = id => document.getElementById(id);
  const form = document.querySelector('form[data-index]');
  const out = $('search-out');
  const input = $('search-q');
  const box = $('search-er');
  if (!form || !out || !input || !window.fetch || !''.normalize) return;
  const status = $('search-status'), list = $('search-list'), none = $('search-none'), did = $('search-did');
  const tpl = $('search-item');
  const base = form.dataset.index;

  // --- analysis (index.py: normalise, keep, surface forms) ---
  const WORD = /[\p{L}\p{N}\p{M}]+(?:['\u2019\u02bc][\p{L}\p{N}\p{M}]+)*/gu;
  const SPLIT = /[^\p{L}\p{N}]+/u;
  const MARK = /\p{M}/gu;
  const FOLD = {
    '\u0142': 'l', '\u0111': 'd', '\u00f8': 'o', '\u0131': 'i', '\u00df': 'ss', '\u00e6': 'ae', '\u0153': 'oe',
    '\u0649': '\u064a', '\u06cc': '\u064a', '\u06a9': '\u0643', '\u06c1': '\u0647', '\u0629': '\u0647',
    '\u06c3': '\u0647', '\u06be': '\u0647', '\u0640': '', "'": '', '\u2019': '', '\u02bc': ''
  };
  const FOLDED = /[\u0142\u0111\u00f8\u0131\u00df\u00e6\u0153\u0649\u06cc\u06a9\u06c1\u0629\u06c3\u06be\u0640'\u2019\u02bc\u0660-\u0669\u06f0-\u06f9]/g;
  const norm = w => w.toLowerCase().normalize('NFKD').replace(MARK, '')
    .replace(FOLDED, c => c in FOLD ? FOLD[c] : String(c.charCodeAt(0) & 15));
  const cps = s => [...s];
  const len = s => cps(s).length;
  const keep = s => len(s) > 0 && len(s) <= 40 && (len(s) > 1 || (s >= '0' && s <= '9'));
  const key = s => cps(s).slice(0, 2).join('');
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

  // --- query.py: parse ---
  function parse(text) {
    const t = cps(text).slice(0, 200).join(''), words = [], seen = new Set();
    let cut = len(text) > 200, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(t))) {
      const wild = t[m.index + m[0].length] === '*';
      const parts = norm(m[0]).split(SPLIT).filter(keep);
      parts.forEach((p, i) => {
        const w = wild && i === parts.length - 1 && len(p) >= 2, k = p + (w ? '*' : '');
        if (!seen.has(k)) { seen.add(k); words.push([p, w]); }
      });
    }
    if (words.length > 10) { words.length = 10; cut = true; }
    return [words, cut];
  }

  // Optimal string alignment distance, or lim + 1 when over lim.
  function distance(a, b, lim) {
    a = cps(a); b = cps(b);
    if (Math.abs(a.length - b.length) > lim) return lim + 1;
    let p2 = [], p = b.map((_, j) => j + 1);
    p.unshift(0);
    for (let i = 1; i <= a.length; i++) {
      const c = [i];
      for (let j = 1; j <= b.length; j++) {
        let v = Math.min(p[j] + 1, c[j - 1] + 1, p[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, p2[j - 2] + 1);
        c[j] = v;
      }
      if (Math.min(...c) > lim) return lim + 1;
      p2 = p; p = c;
    }
    return p[b.length] <= lim ? p[b.length] : lim + 1;
  }

  // --- loading: only the files a query needs, each once ---
  const cache = {};
  let meta;
  const get = name => cache[name] || (cache[name] = fetch(base + name)
    .then(r => { if (!r.ok) throw Error(r.status); return r.json(); })
    .catch(e => { delete cache[name]; throw e; }));
  const shards = {};
  const load = keys => Promise.all([...new Set(keys)].map(k => {
    let h = 0;
    for (const c of k) h = (h * 31 + c.codePointAt(0)) % meta.n;
    return get(h + '.json').then(s => { shards[k] = s; });
  }));
  const bucket = k => (shards[k] ? shards[k].w : [])
    .map(e => typeof e === 'string' ? [e, [e]] : [e[0], e.slice(1)]).filter(e => key(e[0]) === k);
  const lookup = s => { const e = bucket(key(s)).find(e => e[0] === s); return e && e[1]; };

  // --- query.py: resolve, then score and arrange ---
  async function search(text, easy) {
    meta = meta || await get('meta.json');
    const [words, cut] = parse(text);
    await load(words.map(w => key(w[0])));
    const seq = [], fixes = {}, weights = new Map(), found = new Set();
    for (const [word, wild] of words) {
      let s = word, t;
      if (wild) {
        const m = bucket(key(s)).filter(e => e[1].length && e[0].startsWith(s)).slice(0, 8);
        if (m.length) t = [...new Set(m.flatMap(e => e[1]))];
      }
      if (!t) t = lookup(s);
      if (!t) {
        for (const [end, rep] of meta.suf) {
          if (s.endsWith(end) && len(s) - len(end) + len(rep) >= 3) {
            const b = cps(s).slice(0, len(s) - len(end)).join('') + rep;
            if (key(b) !== key(s)) continue;
            const f = lookup(b);
            if (f && f.length) { s = b; t = f; break; }
          }
        }
      }
      if (!t && len(s) >= 4) {
        const lim = len(s) <= 6 ? 1 : 2;
        let best;
        for (const [c, ts] of bucket(key(s))) {
          if (!ts.length || len(c) < 3 || Math.abs(len(c) - len(s)) > lim) continue;
          const d = distance(s, c, lim);
          if (d <= lim && (!best || d < best[0])) { best = [d, c, ts]; if (d === 1) break; }
        }
        if (best) { fixes[word] = best[1]; s = best[1]; t = best[2]; }
      }
      if (!t || t.length) seq.push(t || []);
      if (t && t.length) found.add(s);
      for (const x of t || []) weights.set(x, 10);
    }
    for (const [pattern, expansion] of meta.syn) {
      for (let i = 0; i + pattern.length <= seq.length; i++) {
        if (pattern.every((alts, j) => alts.some(a => seq[i + j].includes(a)))) {
          expansion.forEach(x => weights.has(x) || weights.set(x, 6));
          break;
        }
      }
    }
    const terms = [...weights].slice(0, 48);
    await load(terms.map(t => key(t[0])));
    const scores = new Map();
    for (const [x, w] of terms) {
      const all = shards[key(x)].t, p = own(all, x) ? all[x] : [];
      for (let i = 0; i < p.length; i += 2) scores.set(p[i], (scores.get(p[i]) || 0) + w * p[i + 1]);
    }
    const docs = meta.docs;
    let items = [...scores].filter(([d]) => !easy || docs[d][2])
      .map(([d, s]) => [d, (easy ? s : s * (docs[d][2] ? 85 : 100)) * (docs[d][3] ? 80 : 100)]);
    items.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
    if (!easy) {
      const seen = new Set();
      items = items.filter(([d]) => !seen.has(d) && seen.add(d).add(docs[d][5]));
    }
    const fixed = Object.keys(fixes).length &&
      words.map(([w, wild]) => (own(fixes, w) ? fixes[w] : w) + (wild ? '*' : '')).join(' ');
    return { items, fixed, cut, found };
  }

  // --- showing results (the markup of templates/search/macros.html) ---
  function highlight(el, text, found) {
    let at = 0, m;
    WORD.lastIndex = 0;
    while ((m = WORD.exec(text))) {
      const hit = norm(m[0]).split(SPLIT).some(p => [...found].some(f => p === f || (len(f) > 2 && p.startsWith(f))));
      if (!hit) continue;
      const mark = document.createElement('mark');
      mark.textContent = m[0];
      el.append(text.slice(at, m.index), mark);
      at = m.index + m[0].length;
    }
    el.append(text.slice(at));
  }

  function show(r, easy) {
    const docs = meta.docs, shown = r.items.slice(0, 10);
    list.textContent = '';
    for (const [d] of shown) {
      const [path, title, er, en, summary, twin] = docs[d];
      const li = tpl.content.firstElementChild.cloneNode(true);
      const a = li.querySelector('a'), tags = li.querySelector('.c-result__tags');
      const snip = li.querySelector('.c-result__snippet'), tw = li.querySelector('.c-result__twin');
      a.href = path;
      a.textContent = title;
      if (!er) tags.querySelector('[data-er]').remove();
      if (en) { a.lang = snip.lang = 'en'; a.dir = snip.dir = 'ltr'; } else tags.querySelector('[data-en]').remove();
      if (!er && !en) tags.remove();
      highlight(snip, summary, r.found);
      if (easy || twin < 0) tw.remove();
      else {
        const link = tw.querySelector(docs[twin][2] ? '[data-er]' : '[data-std]');
        link.href = docs[twin][0];
        tw.replaceChildren(link);
      }
      list.append(li);
    }
    status.textContent = out.dataset.found.replace('{n}', shown.length);
    none.hidden = shown.length > 0;
    $('search-none-q').textContent = input.value;
    $('search-long').hidden = !r.cut;
    did.hidden = !r.fixed;
    if (r.fixed) {
      const link = document.createElement('a'), parts = out.dataset.did.split('{s}');
      link.href = '?q=' + encodeURIComponent(r.fixed) + (easy ? '&variant=easy-read' : '');
      link.textContent = r.fixed;
      link.addEventListener('click', e => { e.preventDefault(); input.value = r.fixed; run(true); });
      did.replaceChildren(parts[0], link, parts[1] || '');
    }
  }

  let latest = 0;
  async function run(push) {
    const text = input.value, easy = !!(box && box.checked), n = ++latest;
    if (push) history.pushState(null, '', '?q=' + encodeURIComponent(text) + (easy ? '&variant=easy-read' : ''));
    if (!text.trim()) {
      list.textContent = status.textContent = '';
      none.hidden = did.hidden = true;
      return;
    }
    status.textContent = out.dataset.searching;
    try {
      const r = await search(text, easy);
      if (n === latest) show(r, easy);
    } catch (e) {
      if (n !== latest) return;
      list.textContent = '';
      none.hidden = did.hidden = true;
      status.textContent = out.dataset.error;
    }
  }

  function fromAddress() {
    const p = new URLSearchParams(location.search);
    input.value = p.get('q') || '';
    if (box) box.checked = p.get('variant') === 'easy-read';
    run(false);
  }

  form.addEventListener('submit', e => { e.preventDefault(); run(true); });
  if (box) box.addEventListener('change', () => { if (input.value.trim()) run(true); });
  addEventListener('popstate', fromAddress);
  if (!out.hasAttribute('data-done')) fromAddress();
})();
