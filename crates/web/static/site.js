// newsroom page script. The page is complete without it; it only
// (1) counts a view by beacon, so counting works when a cache served the HTML,
// (2) refreshes view counts, and (3) switches time labels past midnight.
(function () {
  "use strict";
  var tz = document.documentElement.getAttribute("data-tz") || "UTC";
  var dayFmt;
  try {
    dayFmt = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit" });
  } catch (e) { dayFmt = null; }

  function dayNumber(date) {
    if (!dayFmt) return null;
    var p = {};
    dayFmt.formatToParts(date).forEach(function (x) { p[x.type] = x.value; });
    return Date.UTC(+p.year, +p.month - 1, +p.day) / 86400000;
  }

  function refreshTimes() {
    var today = dayNumber(new Date());
    if (today === null) return;
    document.querySelectorAll("time[data-forms]").forEach(function (el) {
      var forms = el.getAttribute("data-forms").split("|");
      var d = dayNumber(new Date(el.getAttribute("datetime")));
      if (forms.length !== 3 || d === null) return;
      var label = d === today ? forms[0] : d === today - 1 ? forms[1] : forms[2];
      if (el.textContent !== label) el.textContent = label;
    });
  }

  function setCount(id, n) {
    document.querySelectorAll('[data-views][data-article="' + id + '"]').forEach(function (el) {
      el.setAttribute("data-views", String(n));
      el.textContent = String(n);
    });
  }

  function refreshCounts() {
    var ids = {};
    document.querySelectorAll("[data-views][data-article]").forEach(function (el) {
      ids[el.getAttribute("data-article")] = true;
    });
    var list = Object.keys(ids).slice(0, 100);
    if (!list.length) return;
    fetch("/api/v1/views?ids=" + list.join(","), { cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j && j.views) Object.keys(j.views).forEach(function (id) { setCount(id, j.views[id]); }); })
      .catch(function () {});
  }

  var art = document.querySelector("article[data-article-id]");
  if (art) {
    var id = art.getAttribute("data-article-id");
    fetch("/api/v1/views/" + id, { method: "POST", cache: "no-store", keepalive: true })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j && typeof j.views === "number") setCount(id, j.views); refreshCounts(); })
      .catch(function () {});
  } else {
    refreshCounts();
  }
  refreshTimes();
  setInterval(refreshTimes, 60000);
  setInterval(refreshCounts, 120000);
})();
