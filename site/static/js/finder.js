/* Finder: find the council for a postcode or place name in the browser (progressive enhancement).
   It reads the small open-data files the build writes: /data/postcodes/<district>.json (from
   finder.opendata) and /data/places/<first two letters>.json (from finder.flow). One council: go
   to its page. More than one: list them ("which of these?"), never guess. A problem: an error
   summary with the words the page was built with. Without this script the forms submit to the
   server (live site) or to a page that explains how to choose from the list (static site). */
(function () {
  "use strict";
  var root = document.getElementById("finder-lookup");
  if (!root || !window.fetch || !String.prototype.normalize) { return; }
  var base = root.getAttribute("data-base");
  var data = root.getAttribute("data-data");
  var summary = document.getElementById("finder-errors");
  var found = document.getElementById("finder-choices");
  var names = {};
  var links = document.querySelectorAll("[data-council]");
  for (var i = 0; i < links.length; i++) { names[links[i].getAttribute("data-council")] = links[i].textContent; }

  // Mirrors finder.geo.normalise_postcode (the same answers and the same error codes).
  var AREAS = ["AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"];
  var OUT = "[A-Z]{1,2}[0-9][0-9A-Z]?";
  var FULL = new RegExp("^(" + OUT + ")([0-9])([A-Z]{2})$");
  var DISTRICT = new RegExp("^" + OUT + "$");
  var SECTOR = new RegExp("^(" + OUT + ")([0-9])$");

  function normalise(text) {
    var raw = text.normalize("NFKC").trim().toUpperCase();
    if (!raw) { return { error: "empty" }; }
    if (raw.length > 20) { return { error: "too-long" }; }
    var tokens = raw.split(/[\s\-]+/).filter(Boolean);
    var compact = tokens.join("");
    var m, value;
    if (!/^[A-Z0-9]+$/.test(compact)) { return { error: "characters" }; }
    if (compact.length > 7) { return { error: "too-long" }; }
    if ((m = FULL.exec(compact))) { value = m[1] + " " + m[2] + m[3]; }
    else if (tokens.length === 2 && DISTRICT.test(tokens[0]) && /^[0-9]$/.test(tokens[1])) { value = tokens[0] + " " + tokens[1]; }
    else if (DISTRICT.test(compact)) { value = compact; }
    else if (tokens.length === 1 && (m = SECTOR.exec(compact))) { value = m[1] + " " + m[2]; }
    else { return { error: "shape" }; }
    if (AREAS.indexOf(/^[A-Z]+/.exec(value)[0]) < 0) { return { error: "not-scotland" }; }
    return { value: value };
  }

  // Mirrors finder.geo.fold (place names: accents, case and punctuation ignored).
  function fold(text) {
    var t = text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase();
    t = t.replace(/&/g, " and ").replace(/'/g, "");
    return (t.match(/[a-z0-9]+/g) || []).join(" ");
  }

  function load(path) {
    return fetch(path).then(function (r) {
      if (r.status === 404) { return null; }
      if (!r.ok) { throw new Error(r.status); }
      return r.json();
    });
  }

  function slugs(rows) { return rows.map(function (r) { return r[0]; }); }

  function byPostcode(value) {
    var parts = value.split(" ");
    return load(data + "postcodes/" + parts[0] + ".json").then(function (shard) {
      if (!shard) { return { error: "not-found" }; }
      var inward = parts[1] || "";
      if (inward.length === 3 && shard.u && shard.u[inward]) { return { councils: [shard.u[inward]] }; }
      if (inward && shard.s && shard.s[inward.charAt(0)]) { return { councils: slugs(shard.s[inward.charAt(0)]) }; }
      return { councils: slugs(shard.d || []) };
    });
  }

  function byPlace(text) {
    var key = fold(text);
    if (!text.trim()) { return Promise.resolve({ error: "place-empty" }); }
    if (text.trim().length > 60) { return Promise.resolve({ error: "place-too-long" }); }
    if (!key) { return Promise.resolve({ error: "place-not-found" }); }
    return load(data + "places/" + key.replace(/ /g, "").slice(0, 2) + ".json").then(function (shard) {
      var rows = shard && shard[key];
      return rows ? { councils: slugs(rows), places: rows } : { error: "place-not-found" };
    });
  }

  function clear() {
    summary.hidden = true;
    found.hidden = true;
    var errors = root.querySelectorAll(".c-error");
    for (var j = 0; j < errors.length; j++) {
      var field = errors[j].id.replace("-error", "");
      var input = document.getElementById(field);
      errors[j].hidden = true;
      errors[j].textContent = "";
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", field + "-hint");
      input.parentNode.classList.remove("c-field--error");
    }
  }

  function fail(field, code) {
    var message = root.getAttribute("data-msg-" + code) || root.getAttribute("data-msg-shape");
    var list = summary.querySelector("ul");
    var input = document.getElementById(field);
    var error = document.getElementById(field + "-error");
    list.innerHTML = "";
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = "#" + field;
    a.textContent = message;
    li.appendChild(a);
    list.appendChild(li);
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", field + "-hint " + field + "-error");
    input.parentNode.classList.add("c-field--error");
    summary.hidden = false;
    summary.focus();
  }

  function choose(result) {
    var list = found.querySelector("ul");
    list.innerHTML = "";
    result.councils.forEach(function (slug, k) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "c-choice";
      a.href = base + slug + "/";
      a.textContent = names[slug] || slug;
      if (result.places) {
        a.textContent = root.getAttribute("data-place-in").replace("{place}", result.places[k][1])
          .replace("{council}", a.textContent);
      }
      li.appendChild(a);
      list.appendChild(li);
    });
    found.hidden = false;
    found.focus();
  }

  var forms = root.querySelectorAll("form[data-field]");
  for (var f = 0; f < forms.length; f++) {
    forms[f].addEventListener("submit", function (event) {
      var field = this.getAttribute("data-field");
      var text = document.getElementById(field).value || "";
      var lookup;
      event.preventDefault();
      clear();
      if (field === "postcode") {
        var postcode = normalise(text);
        lookup = postcode.error ? Promise.resolve(postcode) : byPostcode(postcode.value);
      } else {
        lookup = byPlace(text);
      }
      lookup.then(function (result) {
        if (result.error) { fail(field, result.error); }
        else if (result.councils.length === 1) { window.location.href = base + result.councils[0] + "/"; }
        else if (result.councils.length > 1) { choose(result); }
        else { fail(field, field === "postcode" ? "not-found" : "place-not-found"); }
      }).catch(function () { fail(field, "network"); });
    });
  }
}());
