// Portal's in-page agent: the counterpart of pendo.initialize for self-hosted Portal.
// Include it with the key and Portal's address as data- attributes (no inline script needed):
//   <script src="https://portal.example.com/js/portal-agent.js" data-portal-key="API-KEY"
//           data-portal-base-url="https://portal.example.com"></script>
// With Segment's analytics.js on the page (classic or Analytics Next) nothing else is needed: as Pendo's
// Segment destination does, the agent sends the visitor (user id, else anonymous id) and traits when
// analytics.js is ready and on every identify, and the account on every group.
// Without it, call portal.initialize({ visitor: { id: "...", ... }, account: { id: "...", ... } }).
// data-portal-segment="off" stops the agent from following analytics.js.
// Metadata sent this way has group type "agent"; arrays are kept as lists.
(function () {
  "use strict";
  var script = document.currentScript;
  var key = script && script.getAttribute("data-portal-key");
  var base = script && script.getAttribute("data-portal-base-url");
  var followSegment = !script || script.getAttribute("data-portal-segment") !== "off";
  if (!base && script && script.src) base = new URL(script.src).origin;
  base = (base || "").replace(/\/+$/, "");

  var portal = (window.portal = window.portal || {});

  function send(body) {
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
  }

  portal.initialize = function (options) {
    options = options || {};
    if (!key) return Promise.reject(new Error("portal-agent.js needs a data-portal-key attribute."));
    if (!options.visitor || options.visitor.id === undefined || options.visitor.id === null) {
      return Promise.reject(new Error("portal.initialize needs visitor.id."));
    }
    var body = { visitor: options.visitor };
    if (options.account) body.account = options.account;
    return send(body);
  };

  function present(value) {
    return value !== undefined && value !== null && value !== "";
  }

  function withId(traits, id) {
    var copy = {};
    var source = traits || {};
    for (var name in source) if (Object.prototype.hasOwnProperty.call(source, name)) copy[name] = source[name];
    copy.id = id;
    return copy;
  }

  // Analytics Next loaded from npm hands out promises for user() and group(); the snippet's instance, objects.
  function segmentBody(analytics) {
    return Promise.all([analytics.user(), typeof analytics.group === "function" ? analytics.group() : null]).then(function (found) {
      var user = found[0];
      var group = found[1];
      var visitorId = user && (user.id() || user.anonymousId());
      if (!present(visitorId)) return null;
      var body = { visitor: withId(user.traits(), visitorId) };
      var accountId = group && group.id();
      if (present(accountId)) body.account = withId(group.traits(), accountId);
      return body;
    });
  }

  var lastSent = null;
  function sendFromSegment(analytics) {
    return segmentBody(analytics).then(function (body) {
      var json = body && JSON.stringify(body);
      // ready and an identify right after it describe the same visitor: send it once.
      if (!json || json === lastSent) return null;
      lastSent = json;
      return send(body);
    }).catch(function (error) {
      if (window.console) console.warn("portal-agent:", error.message || error);
    });
  }

  var following = false;
  function followAnalytics() {
    var analytics = window.analytics;
    if (following || !key || !analytics || typeof analytics.ready !== "function" || typeof analytics.on !== "function") return;
    following = true;
    // Both calls are queued by Segment's snippet until analytics.js has loaded, so this works before and after it.
    analytics.ready(function () { sendFromSegment(window.analytics); });
    analytics.on("identify", function () { sendFromSegment(window.analytics); });
    analytics.on("group", function () { sendFromSegment(window.analytics); });
  }

  if (followSegment) {
    followAnalytics();
    // Segment's snippet may come after this script: look again once the page has parsed and loaded.
    document.addEventListener("DOMContentLoaded", followAnalytics);
    window.addEventListener("load", followAnalytics);
  }
})();
