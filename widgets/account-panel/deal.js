// erp-panel deal block: order readiness of the deal the widget was opened on (?deal=<id>, or Pipedrive's
// ?resource=deal&record=<id>). Self-contained: panel.js hands it its authenticated ``api`` once the widget has
// a session (window.ErpPanelDeal.start). Text goes in with textContent only.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var boot = (document.getElementById("app") || {}).dataset || {};   // Salesforce Canvas: start values on #app
  var dealId = params.get("deal") || boot.deal || (params.get("resource") === "deal" ? (params.get("record") || "") : "");
  var SEVERITY = { blocker: "Must fix", warning: "Check", unchecked: "Not checked" };
  var STATE = { ready: "Ready", warnings: "Check first", blocked: "Blocked", could_not_check: "Not checked" };
  var OWNER = { rep: "sales rep", admin: "admin", finance: "finance" };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function renderReadiness(box, body) {
    var head = el("div", "deal-head");
    head.appendChild(el("h2", "", "Order readiness"));
    head.appendChild(el("span", "tag state-" + body.state, STATE[body.state] || body.state));
    box.appendChild(head);
    box.appendChild(el("p", "deal-summary", body.summary));
    if (!body.items.length) { return; }
    var list = el("ul", "deal-items");
    body.items.forEach(function (item) {
      var li = el("li", "sev-" + item.severity);
      li.appendChild(el("span", "tag sev", SEVERITY[item.severity] || item.severity));
      li.appendChild(document.createTextNode(" " + item.message));
      if (item.owner) { li.appendChild(el("span", "sr-only", " Fixed by: " + (OWNER[item.owner] || item.owner) + ".")); }
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  function show(render, body) {
    var box = document.getElementById("deal");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    render(box, body);
    box.hidden = false;
    box.setAttribute("aria-busy", "false");
  }

  window.ErpPanelDeal = {
    start: function (api) {
      if (!dealId) { return; }
      if (window.ErpPanelOrder) { window.ErpPanelOrder.start(api, dealId); }   // the deal's ERP order (order.js)
      var box = document.getElementById("deal");
      box.hidden = false;
      box.setAttribute("aria-busy", "true");
      box.textContent = "Checking this deal…";
      api("GET", "/api/v1/deals/" + encodeURIComponent(dealId) + "/readiness")
        .then(function (body) { show(renderReadiness, body); })
        .catch(function (err) {
          show(function (b) { b.appendChild(el("p", "deal-summary", err.message || "The deal could not be checked.")); }, {});
        });
    }
  };
})();
