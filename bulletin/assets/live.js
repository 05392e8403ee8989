// Injected by `bulletin serve` into HTML responses only (never written to disk).
// Listens for builds over Server-Sent Events: reloads after a build that changed the site,
// swaps the stylesheet when only CSS changed, and shows build errors in an overlay.
(function () {
  "use strict";
  var me = document.currentScript;
  var loaded = me.getAttribute("data-build");
  var cssVersion = me.getAttribute("data-css");
  var overlay = null;

  function showErrors(errors) {
    if (!errors.length) {
      if (overlay) { overlay.remove(); overlay = null; }
      return;
    }
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = "bulletin-errors";
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;" +
        "background:#fff4f4;color:#5c0000;border-top:4px solid #b00020;padding:1rem;font:14px/1.45 ui-monospace,monospace;";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("strong");
    title.textContent = "The last build failed; this page is from the last good build. Fix these and save:";
    overlay.appendChild(title);
    var list = document.createElement("pre");
    list.style.cssText = "white-space:pre-wrap;margin:.5rem 0 0;";
    list.textContent = errors.join("\n");  // text, never HTML: messages quote authors' content
    overlay.appendChild(list);
  }

  function swapStylesheets() {
    document.querySelectorAll('link[rel="stylesheet"]').forEach(function (link) {
      var url = new URL(link.href);
      url.searchParams.set("v", Date.now());
      link.href = url.toString();
    });
  }

  var source = new EventSource("/__bulletin/events");
  source.addEventListener("build", function (event) {
    var state = JSON.parse(event.data);
    showErrors(state.errors);
    if (state.errors.length || state.build === loaded) return;
    if (state.css !== cssVersion && state.html === me.getAttribute("data-html")) {
      swapStylesheets();
      loaded = state.build;
      cssVersion = state.css;
      return;
    }
    window.location.reload();
  });
})();
