// The shared inbox's script: the first-response clocks tick, new items
// arrive live, rows are selected for the bulk actions, saved replies are
// inserted in the reply box, and the keyboard drives the list and the
// item. Every page works without it.
"use strict";
(function () {
  var list = document.querySelector("[data-inbox]");
  var item = document.querySelector("[data-inbox-item]");
  if (!list && !item) return;

  // plural picks data-NAME-one for a count of one in the page's language.
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "en") : null;
  function plural(el, name, n) {
    var one = el.dataset[name + "One"];
    var label = one && rules && rules.select(n) === "one" ? one : el.dataset[name];
    return label.replace("%d", n);
  }

  // The clocks: time since an item was received against the target.
  function span(el, ms) {
    var m = Math.max(0, Math.floor(ms / 60000));
    if (m < 60) return el.dataset.min.replace("%d", m);
    return el.dataset.hours.replace("%d", Math.floor(m / 60)).replace("%d", m % 60);
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-sla]").forEach(function (el) {
      var since = now - Date.parse(el.dataset.received);
      var target = Number(el.dataset.minutes) * 60000;
      var text;
      if (!target) {
        text = el.dataset.waiting.replace("%s", span(el, since));
      } else if (since > target) {
        text = el.dataset.late.replace("%s", span(el, since - target));
        el.classList.add("late");
      } else {
        text = el.dataset.left.replace("%s", span(el, target - since));
      }
      if (el.textContent !== text) el.textContent = text;
    });
  }
  tick();
  setInterval(tick, 15000);

  // The shortcuts' list.
  var help = document.querySelector("[data-shortcuts]");
  function showHelp() {
    if (!help) return;
    if (help.showModal) { if (!help.open) help.showModal(); } else help.setAttribute("open", "");
  }
  document.querySelectorAll("[data-shortcuts-open]").forEach(function (b) { b.addEventListener("click", showHelp); });

  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }

  // Sends a form with one more field, as if a button named name=value did.
  function submitWith(form, name, value) {
    var h = document.createElement("input");
    h.type = "hidden"; h.name = name; h.value = value;
    form.appendChild(h);
    form.submit();
  }

  if (item) {
    var box = item.querySelector("[data-reply-text]");
    // Opened to answer (the list's "r", a mention's Reply): the cursor is
    // in the reply box — once the browser has scrolled to #reply, which
    // would take the focus away again.
    if (box && location.hash === "#reply") {
      box.focus();
      window.addEventListener("load", function () { setTimeout(function () { box.focus(); }, 0); });
    }
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e) || (help && help.open)) return;
      var done = item.querySelector("[data-status-button=done]:not([disabled])");
      var me = item.querySelector("[data-assign-me]");
      switch (e.key) {
        case "e": if (done) { e.preventDefault(); done.click(); } break;
        case "a": if (me) { e.preventDefault(); me.click(); } break;
        case "r": if (box) { e.preventDefault(); box.focus(); } break;
        case "?": e.preventDefault(); showHelp(); break;
      }
    });
    return;
  }

  // The list.
  var body = list.querySelector("[data-inbox-rows]");
  var bulk = document.querySelector("[data-bulk]");
  var selected = list.querySelector("[data-selected]");
  var all = list.querySelector("[data-select-all]");
  function boxes() { return Array.prototype.slice.call(body.querySelectorAll("[data-select]")); }
  function count() {
    if (!selected) return;
    var n = boxes().filter(function (b) { return b.checked; }).length;
    selected.textContent = n ? plural(selected, "label", n) : "";
    if (bulk) bulk.classList.toggle("some", n > 0);
  }
  body.addEventListener("change", function (e) { if (e.target.matches("[data-select]")) count(); });
  if (all) all.addEventListener("change", function () { boxes().forEach(function (b) { b.checked = all.checked; }); count(); });
  count();

  // The current row, moved with j and k.
  var current = null;
  function rows() { return Array.prototype.slice.call(body.querySelectorAll("tr[data-item]")); }
  function focusRow(r) {
    if (!r) return;
    if (current) current.classList.remove("current");
    current = r;
    r.classList.add("current");
    r.scrollIntoView({ block: "nearest" });
    var a = r.querySelector("[data-open]");
    if (a) a.focus({ preventScroll: true });
  }
  body.addEventListener("focusin", function (e) {
    var r = e.target.closest("tr[data-item]");
    if (r && r !== current) { if (current) current.classList.remove("current"); current = r; r.classList.add("current"); }
  });
  // Acts on the current row alone through the bulk form.
  function only(action) {
    if (!bulk || !current) return;
    var cb = current.querySelector("[data-select]");
    if (!cb) return;
    boxes().forEach(function (b) { b.checked = b === cb; });
    submitWith(bulk, "action", action);
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e) || (help && help.open)) return;
    var rs = rows(), i = rs.indexOf(current);
    switch (e.key) {
      case "j": e.preventDefault(); focusRow(rs[Math.min(i + 1, rs.length - 1)]); break;
      case "k": e.preventDefault(); focusRow(rs[Math.max(i - 1, 0)]); break;
      case "x":
        if (current) {
          var cb = current.querySelector("[data-select]");
          if (cb) { e.preventDefault(); cb.checked = !cb.checked; count(); }
        }
        break;
      case "o": case "Enter":
        if (current && !(e.key === "Enter" && e.target.closest("a,button"))) { e.preventDefault(); location.href = current.dataset.href; }
        break;
      case "r": if (current) { e.preventDefault(); location.href = current.dataset.href + "#reply"; } break;
      case "e": e.preventDefault(); only("done"); break;
      case "a": e.preventDefault(); only("assign-me"); break;
      case "?": e.preventDefault(); showHelp(); break;
    }
  });

  // Live: new items arrive as rendered rows; the tabs' counts follow.
  var live = list.querySelector("[data-inbox-live]");
  if (!live || !window.EventSource) return;
  var empty = list.querySelector("[data-inbox-empty]");
  var late = list.querySelector("[data-late-count]");
  var es = new EventSource(live.dataset.inboxLive);
  es.addEventListener("open", function () { live.hidden = false; });
  es.addEventListener("items", function (e) {
    var t = document.createElement("template");
    t.innerHTML = e.data; // rendered and escaped by the server's templates
    var fresh = Array.prototype.slice.call(t.content.querySelectorAll("tr"));
    fresh.forEach(function (r) { r.classList.add("fresh"); });
    var frag = document.createDocumentFragment();
    fresh.forEach(function (r) { frag.appendChild(r); });
    body.insertBefore(frag, body.firstChild);
    if (empty) empty.hidden = true;
    tick();
  });
  es.addEventListener("counts", function (e) {
    var c;
    try { c = JSON.parse(e.data); } catch (_) { return; }
    list.querySelectorAll("[data-tab-count]").forEach(function (el) {
      var n = c[el.dataset.tabCount];
      if (typeof n === "number") el.textContent = n;
    });
    if (late && typeof c.late === "number") {
      late.textContent = plural(late, "lateLabel", c.late);
      late.classList.toggle("late", c.late > 0);
    }
  });
  es.addEventListener("error", function () { live.hidden = true; });
})();
