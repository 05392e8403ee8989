// Client-side search over the index written at build time (search.json).
// Works under any prefix: paths in the index are relative to the site root,
// which the page gives in data-root. Without JavaScript the page says where to browse instead.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  var input = document.getElementById("q");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var root = box.getAttribute("data-root") || "";
  var entries = null;

  function fold(text) {
    return (text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function haystack(e) {
    return fold([e.t, e.s, e.r, (e.g || []).join(" "), (e.p || []).join(" ")].join(" "));
  }

  function show(query) {
    list.textContent = "";
    var words = fold(query).split(/\s+/).filter(Boolean);
    if (!words.length) { status.textContent = ""; return; }
    var found = entries.filter(function (e) {
      return words.every(function (w) { return e.h.indexOf(w) !== -1; });
    });
    status.textContent = found.length === 1 ? "1 result" : found.length + " results";
    found.slice(0, 50).forEach(function (e) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = root + e.u;
      link.textContent = e.t;
      item.appendChild(link);
      if (e.s) {
        var summary = document.createElement("p");
        summary.textContent = e.s;
        item.appendChild(summary);
      }
      list.appendChild(item);
    });
  }

  var initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  status.textContent = "Loading the search index…";
  fetch(box.getAttribute("data-index"))
    .then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    })
    .then(function (data) {
      entries = data.map(function (e) { e.h = haystack(e); return e; });
      status.textContent = "";
      show(input.value);
      input.addEventListener("input", function () { show(input.value); });
      box.querySelector("form").addEventListener("submit", function (event) {
        event.preventDefault();
        show(input.value);
      });
    })
    .catch(function () {
      status.textContent = "The search index could not be loaded (opened from disk, search needs the site " +
        "served over HTTP). Browse all briefings or the archive instead.";
    });
})();
