// The SPARQL editor on /sparql: YASGUI (static/vendor/yasgui, see its NOTICE.md) on this server's own
// endpoint, with the canned queries as examples and the project's prefixes. The page's plain form is the
// fallback without JavaScript; it is hidden only once the editor is up.
(function () {
  "use strict";
  var data = document.getElementById("editor-config");
  var host = document.getElementById("editor");
  var form = document.getElementById("plain-form");
  if (!data || !host || typeof Yasgui === "undefined") return;
  var config = JSON.parse(data.textContent);
  // A static site (tipkg site) has no endpoint of its own: an empty one is typed in by the reader.
  var endpoint = config.endpoint ? new URL(config.endpoint, window.location.href).href : "";
  var prefixLines = Object.keys(config.prefixes).map(function (p) {
    return p + ": <" + config.prefixes[p] + ">";
  });

  // Prefix completion from the project's table, not the bundled prefix.cc list (and never a fetch).
  Yasgui.Yasqe.forkAutocompleter("prefixes", { name: "project-prefixes", get: prefixLines, persistenceId: null }, false);

  var yasgui = new Yasgui(host, {
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null, // no tabs or queries kept in localStorage: each visit starts from this page
    populateFromUrl: false,
    autofocus: false,
    yasqe: { autocompleters: ["variables", "project-prefixes"], resizeable: true },
    yasr: { prefixes: config.prefixes, persistenceId: null },
  });
  var start = document.getElementById("query");
  if (start) yasgui.getTab().getYasqe().setValue(start.value);

  // YASGUI leaves its endpoint field, the editor's text area and the page-size menu without a name for
  // assistive technology.
  function labelControls(root) {
    var names = {
      "input.autocomplete": "SPARQL endpoint",
      ".CodeMirror textarea": "SPARQL query",
      "select.tableSizer": "Rows per page",
    };
    Object.keys(names).forEach(function (selector) {
      root.querySelectorAll(selector + ":not([aria-label])").forEach(function (control) {
        control.setAttribute("aria-label", names[selector]);
      });
    });
  }

  var picker = document.getElementById("example");
  document.getElementById("example-open").addEventListener("click", function () {
    var example = config.examples[picker.value];
    if (!example) return;
    yasgui.addTab(true, { name: example.title }).getYasqe().setValue(example.query);
  });
  document.getElementById("new-tab").addEventListener("click", function () {
    yasgui.addTab(true);
  });
  labelControls(host);
  new MutationObserver(function () { labelControls(host); }).observe(host, { childList: true, subtree: true });
  document.getElementById("examples").hidden = false;
  if (form) form.hidden = true;
})();
