// The composer's counters, per selected account, by each network's rules;
// its link preview; and a post's page kept current while it is published.
"use strict";
(function () {
  var form = document.querySelector("[data-composer]");
  if (!form) return;
  var text = form.querySelector("[data-text]");
  var segmenter = window.Intl && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  var urlRE = /(^|[\s(\[{<"'])(https?:\/\/[^\s<>"]+)/gi;
  var mentionRE = /(^|[^\p{L}\p{N}_\/@])@([\p{L}\p{N}_]+(?:[\p{L}\p{N}_.\-]+[\p{L}\p{N}_])?)@[\p{L}\p{N}.\-]+\.[\p{L}\p{N}\-]+/giu;
  // Mastodon: each http(s) address counts urlChars (23), a mention of a
  // remote account @user@domain as @user, anything else one per code point.
  function mastodonLength(s, urlChars) {
    var n = 0;
    var rest = s.replace(urlRE, function (m, lead, u) {
      var trimmed = u.replace(/[.,;:!?)]+$/, "");
      n += urlChars || 23;
      return lead + u.slice(trimmed.length);
    });
    rest = rest.replace(mentionRE, "$1@$2");
    return n + Array.from(rest).length;
  }
  // Bluesky: graphemes (what people see as one character).
  function graphemes(s) {
    if (!segmenter) return Array.from(s).length;
    var n = 0;
    for (var _ of segmenter.segment(s)) n++;
    return n;
  }
  function bytes(s) { return new TextEncoder().encode(s).length; }
  function fmt(label, a, b) { return label.replace("%d", a).replace("%d", b); }
  function measure(box, s, out) {
    var max = Number(box.dataset.max) || 0, maxBytes = Number(box.dataset.maxBytes) || 0;
    var n = box.hasAttribute("data-graphemes") ? graphemes(s) : mastodonLength(s, Number(box.dataset.urlChars));
    var label = fmt(form.dataset.labelChars, n, max);
    var over = max > 0 && n > max;
    if (maxBytes > 0) {
      var b = bytes(s);
      if (b > maxBytes) { over = true; label += " · " + fmt(form.dataset.labelBytes, b, maxBytes); }
    }
    out.textContent = label;
    out.classList.toggle("over", over);
  }
  function update() {
    form.querySelectorAll("[data-account]").forEach(function (box) {
      var id = box.dataset.account;
      var out = form.querySelector('[data-counter-for="' + id + '"]');
      var variant = form.querySelector('[data-variant="' + id + '"]');
      var vtext = form.querySelector('[data-variant-text="' + id + '"]');
      var vout = form.querySelector('[data-variant-counter="' + id + '"]');
      if (variant) variant.hidden = !box.checked;
      out.hidden = !box.checked;
      var own = vtext && vtext.value.trim() !== "";
      measure(box, own ? vtext.value.trim() : text.value.trim(), out);
      if (vout) {
        vout.hidden = !own;
        if (own) measure(box, vtext.value.trim(), vout);
      }
    });
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  // The first address of the text, as a card of its page's title.
  var card = form.querySelector("[data-link-preview]");
  var shown = "", timer = null;
  function preview() {
    var m = /https?:\/\/[^\s<>"]+/i.exec(text.value);
    var u = m ? m[0].replace(/[.,;:!?)]+$/, "") : "";
    if (u === shown) return;
    shown = u;
    if (!u) { card.hidden = true; return; }
    fetch(form.dataset.preview + "?url=" + encodeURIComponent(u), { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p || shown !== u || !p.title) { card.hidden = true; return; }
        card.textContent = "";
        var t = document.createElement("strong"); t.textContent = p.title; card.appendChild(t);
        if (p.description) { var d = document.createElement("p"); d.textContent = p.description; card.appendChild(d); }
        var s = document.createElement("span"); s.className = "hint"; s.textContent = p.site || new URL(u).host; card.appendChild(s);
        card.hidden = false;
      })
      .catch(function () { card.hidden = true; });
  }
  text.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(preview, 600); });
  preview();
})();

// A post's page, while it is scheduled or being published, follows its
// state: when the stream says it changed, the page's content is fetched
// again and put in place.
(function () {
  var post = document.querySelector("[data-post-live]");
  if (!post || !window.EventSource) return;
  var es = new EventSource(post.dataset.postLive);
  es.addEventListener("state", function (e) {
    var cur = document.querySelector("[data-post]");
    if (!cur || e.data === cur.dataset.signature) return;
    fetch(location.pathname, { headers: { Accept: "text/html" } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.querySelector("[data-post]");
        if (!next) return;
        cur.innerHTML = next.innerHTML;
        cur.dataset.signature = next.dataset.signature;
        if (!next.hasAttribute("data-post-live")) es.close();
      });
  });
})();
