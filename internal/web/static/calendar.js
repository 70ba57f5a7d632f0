// The calendar: a post dragged to another day (month) or hour (week) is
// rescheduled there, keeping its minutes; the page then reloads. Without
// the script, a post's page has a field for its time.
"use strict";
(function () {
  var cal = document.querySelector("[data-calendar]");
  if (!cal) return;
  var dragged = null;
  cal.addEventListener("dragstart", function (e) {
    var a = e.target.closest && e.target.closest("[data-cal-post][draggable]");
    if (!a) return;
    dragged = a;
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", a.dataset.calPost);
  });
  cal.addEventListener("dragover", function (e) {
    if (dragged && e.target.closest("[data-day]")) e.preventDefault();
  });
  cal.addEventListener("drop", function (e) {
    var cell = e.target.closest("[data-day]");
    if (!dragged || !cell) return;
    e.preventDefault();
    var time = dragged.dataset.time.split(":");
    var hour = cell.dataset.hour !== undefined ? ("0" + cell.dataset.hour).slice(-2) : time[0];
    var when = cell.dataset.day + "T" + hour + ":" + time[1];
    move(dragged.dataset.calPost, when);
    dragged = null;
  });
  function move(id, when) {
    var body = new URLSearchParams({ scheduled_at: when, csrf: cal.dataset.csrf });
    fetch("/w/" + encodeURIComponent(cal.dataset.slug) + "/posts/" + id + "/reschedule", {
      method: "POST", body: body, headers: { Accept: "application/json", "X-CSRF-Token": cal.dataset.csrf },
    }).then(function (r) {
      if (r.ok) { location.reload(); return; }
      return r.text().then(function (t) { alert(cal.dataset.failed.replace("%s", t)); });
    });
  }
})();
