// Vigie's only script: small progressive enhancements. Every page works
// without it; with it, the stream updates live and selects apply at once.
"use strict";
// counted picks a label for n by the page language's plural rules: the
// element's data-NAME-one when n is "one" there, else data-NAME.
var counted = (function () {
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  return function (elem, name, n) {
    var one = elem.dataset[name + "One"];
    var label = one && rules && rules.select(n) === "one" ? one : elem.dataset[name];
    return label.replace("%d", n);
  };
})();

(function () {
  // On a phone, wide charts scroll inside their card: open them on the
  // latest hours (their right end), where a crisis is read.
  document.querySelectorAll(".grid .wide").forEach(function (c) {
    if (c.scrollWidth > c.clientWidth) c.scrollLeft = c.scrollWidth;
  });
  document.querySelectorAll("select[data-submit]").forEach(function (s) {
    s.addEventListener("change", function () { s.form.submit(); });
  });
  document.querySelectorAll("select[data-nav]").forEach(function (s) {
    s.addEventListener("change", function () { location.href = s.value; });
  });
  // The header's menu closes as menus do: on a click elsewhere, or Escape.
  document.querySelectorAll("details[data-menu]").forEach(function (m) {
    document.addEventListener("click", function (e) {
      if (m.open && !m.contains(e.target)) m.open = false;
    });
    m.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && m.open) {
        m.open = false;
        m.querySelector("summary").focus();
      }
    });
  });

  // The live stream: new mentions arrive as rendered rows over SSE. While
  // paused, rows are held and a button shows how many are waiting.
  var live = document.querySelector("[data-live]");
  var list = document.querySelector("[data-mentions]");
  if (!live || !list || !window.EventSource) return;
  live.hidden = false;
  var state = live.querySelector("[data-live-state]");
  var pause = live.querySelector("[data-pause]");
  var showNew = live.querySelector("[data-show-new]");
  var labels = { on: state.textContent };
  var more = live.querySelector("[data-more]");
  // The count of the stream's mentions grows with what arrives (live rows
  // pass the page's filters).
  var countEl = document.querySelector("[data-count]");
  var paused = false, held = [], skipped = 0;
  // During a burst, a few rows per update are drawn (no one reads a hundred
  // a second, and drawing them would make the page sluggish); the others
  // are counted, and the button reloads the newest page.
  var maxDrawn = 10;
  more.addEventListener("click", function () { location.reload(); });
  function insert(html) {
    var t = document.createElement("template");
    t.innerHTML = html; // rendered and escaped by the server's templates
    var rows = Array.prototype.slice.call(t.content.children);
    if (countEl && rows.length > 0) {
      var total = Number(countEl.dataset.count) + rows.length;
      countEl.dataset.count = total;
      countEl.textContent = countEl.dataset.approx + counted(countEl, "label", total);
    }
    if (rows.length > maxDrawn) {
      skipped += rows.length - maxDrawn;
      rows = rows.slice(0, maxDrawn); // the newest
      more.textContent = counted(more, "label", skipped);
      more.hidden = false;
    }
    // A few new rows are highlighted; a burst is not (animating a hundred
    // rows a second would keep the page repainting).
    var animate = rows.length <= 3;
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) {
      if (animate) r.classList.add("fresh");
      frag.appendChild(r);
    });
    list.insertBefore(frag, list.firstChild);
    var empty = document.querySelector(".empty");
    if (empty) empty.remove();
    // Keep the page light during a crisis.
    while (list.children.length > 300) list.lastElementChild.remove();
  }
  function flush() {
    held.forEach(insert);
    held = [];
    showNew.hidden = true;
  }
  pause.addEventListener("click", function () {
    paused = !paused;
    live.classList.toggle("paused", paused);
    pause.textContent = paused ? pause.dataset.labelResume : pause.dataset.labelPause;
    pause.setAttribute("aria-pressed", paused ? "true" : "false");
    state.textContent = paused ? state.dataset.labelPaused : labels.on;
    if (!paused) flush();
  });
  showNew.addEventListener("click", flush);
  var es = new EventSource(live.dataset.live);
  es.addEventListener("open", function () { live.classList.remove("off"); state.textContent = paused ? state.dataset.labelPaused : labels.on; });
  es.addEventListener("error", function () { live.classList.add("off"); });
  es.addEventListener("mentions", function (e) {
    if (paused) {
      held.push(e.data);
      var n = 0;
      held.forEach(function (h) { n += (h.match(/<li class="mention/g) || []).length; });
      showNew.textContent = counted(showNew, "label", n);
      showNew.hidden = false;
      return;
    }
    insert(e.data);
  });
})();

// The monitor editor: the query is checked while it is typed (the error's
// column is pointed at under it), and can be tried on recent mentions.
(function () {
  var form = document.querySelector("[data-monitor-form]");
  if (!form) return;
  var q = form.querySelector("[data-check]");
  var status = form.querySelector("[data-query-status]");
  var testBtn = form.querySelector("[data-test-query]");
  var result = form.querySelector("[data-test-result]");
  var timer = null, seq = 0;
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function check(test) {
    var my = ++seq;
    var url = q.dataset.check + "?q=" + encodeURIComponent(q.value) + (test ? "&test=1" : "");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        // A lost session answers with the sign-in page, a refused query
        // with an error page: say so rather than fail without a word.
        var type = r.headers.get("Content-Type") || "";
        if (!r.ok || type.indexOf("application/json") !== 0) throw new Error("check: " + r.status);
        return r.json();
      })
      .catch(function (err) {
        if (my === seq) {
          status.textContent = "";
          status.appendChild(el("p", "error", status.dataset.failLabel));
        }
        return { ok: false, failed: true, error: err };
      })
      .then(function (res) {
        if (my !== seq || res.failed) return res; // a newer check is on its way, or this one failed
        status.textContent = "";
        if (!res.ok) {
          q.setAttribute("aria-invalid", "true");
          var p = el("p", "error", status.dataset.colLabel.replace("%d", res.column) + " " + res.message);
          p.dataset.column = res.column;
          status.appendChild(p);
          var pre = el("pre", "caret", q.value + "\n" + " ".repeat(Math.max(res.column - 1, 0)) + "^");
          pre.setAttribute("aria-hidden", "true");
          status.appendChild(pre);
        } else {
          q.removeAttribute("aria-invalid");
          (res.warnings || []).forEach(function (w) {
            status.appendChild(el("p", "warning", status.dataset.colLabel.replace("%d", w.column) + " " + w.message));
          });
        }
        return res;
      });
  }
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { check(false); }, 250);
  });
  var tests = 0;
  testBtn.addEventListener("click", function () {
    result.textContent = "";
    result.appendChild(el("p", "pending", result.dataset.labelTesting));
    var pending = check(true);
    var mine = seq; // a later test, or typing, makes this answer stale
    var test = ++tests;
    pending.then(function (res) {
      if (test === tests) result.textContent = ""; // no later test waits
      if (mine !== seq) return;
      if (!res.ok || !res.tested) return;
      // The summary says over what span, and among how many posts, even
      // when nothing would match.
      result.appendChild(el("p", "total", res.summary));
      var ul = el("ul", "samples");
      (res.samples || []).forEach(function (s) {
        var li = el("li");
        li.appendChild(el("span", "src", s.source + " "));
        li.appendChild(el("strong", "", s.author ? s.author + ": " : ""));
        li.appendChild(document.createTextNode(s.text));
        li.appendChild(el("span", "when", " — " + s.when));
        ul.appendChild(li);
      });
      result.appendChild(ul);
    });
  });
})();

// Forms that destroy something ask first (every page, not only the
// monitor editor's).
(function () {
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      if (!confirm(f.dataset.confirm)) e.preventDefault();
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();

// The bell: the workspace's unread alerts, kept current over SSE.
(function () {
  var bell = document.querySelector("[data-bell]");
  if (!bell || !window.EventSource) return;
  var count = bell.querySelector("[data-unread]");
  var es = new EventSource(bell.dataset.bell);
  es.addEventListener("unread", function (e) {
    var n = Number(e.data);
    count.textContent = n;
    count.hidden = n === 0;
    bell.classList.toggle("ringing", n > 0);
    bell.setAttribute("aria-label", counted(bell, "label", n));
  });
})();

// The alert rule editor shows the settings of the chosen kind only.
(function () {
  var form = document.querySelector("[data-rule-form]");
  if (!form) return;
  var kind = form.querySelector("select[name=kind]");
  function show() {
    form.querySelectorAll("[data-for]").forEach(function (e) {
      e.hidden = e.dataset.for.split(" ").indexOf(kind.value) < 0;
    });
  }
  kind.addEventListener("change", show);
  show();
})();

// A saved text picked from a select with data-insert-into="ID" goes into
// that text box at the cursor, to edit (the composer, the reply box).
(function () {
  document.querySelectorAll("select[data-insert-into]").forEach(function (pick) {
    var box = document.getElementById(pick.dataset.insertInto);
    if (!box) return;
    pick.addEventListener("change", function () {
      var opt = pick.options[pick.selectedIndex];
      if (!opt || !opt.dataset.text) return;
      var at = box.selectionStart || 0, end = box.selectionEnd || at;
      box.value = box.value.slice(0, at) + opt.dataset.text + box.value.slice(end);
      box.focus();
      box.selectionStart = box.selectionEnd = at + opt.dataset.text.length;
      pick.selectedIndex = 0;
      box.dispatchEvent(new Event("input", { bubbles: true })); // counters follow
    });
  });
})();
