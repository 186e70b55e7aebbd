// Portal's in-page agent: the counterpart of pendo.initialize for self-hosted Portal.
// Include it with the key and Portal's address as data- attributes (no inline script needed):
//   <script src="https://portal.example.com/js/portal-agent.js" data-portal-key="API-KEY"
//           data-portal-base-url="https://portal.example.com"></script>
// then call portal.initialize({ visitor: { id: "...", ... }, account: { id: "...", ... } }) from your own script.
// Metadata sent this way has group type "agent"; arrays are kept as lists.
(function () {
  "use strict";
  var script = document.currentScript;
  var key = script && script.getAttribute("data-portal-key");
  var base = script && script.getAttribute("data-portal-base-url");
  if (!base && script && script.src) base = new URL(script.src).origin;
  base = (base || "").replace(/\/+$/, "");

  var portal = (window.portal = window.portal || {});

  portal.initialize = function (options) {
    options = options || {};
    if (!key) return Promise.reject(new Error("portal-agent.js needs a data-portal-key attribute."));
    if (!options.visitor || options.visitor.id === undefined || options.visitor.id === null) {
      return Promise.reject(new Error("portal.initialize needs visitor.id."));
    }
    var body = { visitor: options.visitor };
    if (options.account) body.account = options.account;
    // text/plain keeps this a simple CORS request (no preflight); Portal accepts it as JSON.
    return fetch(base + "/data/agent/" + encodeURIComponent(key), {
      method: "POST",
      headers: { "Content-Type": "text/plain;charset=UTF-8" },
      body: JSON.stringify(body),
      credentials: "omit",
      keepalive: true,
      mode: "cors",
    }).then(function (response) {
      if (!response.ok) throw new Error("Portal refused the metadata: HTTP " + response.status);
      return response;
    });
  };
})();
