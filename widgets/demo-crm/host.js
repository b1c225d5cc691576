// Demo CRM host page: polls the deals of the open account so ERP order numbers appear
// on the deal as soon as the worker writes them back.
(function () {
  "use strict";
  var section = document.querySelector(".deals[data-account]");
  if (!section) { return; }
  var account = section.getAttribute("data-account");

  function update(deals) {
    deals.forEach(function (d) {
      var li = document.querySelector('.deal[data-deal="' + CSS.escape(d.id) + '"]');
      if (!li) { return; }
      li.querySelector(".deal-status").textContent = d.status;
      li.querySelector(".deal-order").textContent = d.erp_order_number || "–";
      li.querySelector(".deal-order-status").textContent = d.erp_order_status || "";
      li.querySelector(".deal-failure").textContent = d.erp_failure_reason || "";
      var form = li.querySelector("form");
      if (form && d.status === "won") { form.remove(); }
    });
  }

  function poll() {
    fetch("/demo/accounts/" + encodeURIComponent(account) + "/deals.json", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body) { update(body.deals); } })
      .catch(function () { /* demo only: try again on the next tick */ });
  }
  setInterval(poll, 2000);
})();

// The widget asks for a fresh signed context when its own has expired (demo CRM signs for 5 minutes).
(function () {
  "use strict";
  var frame = document.getElementById("erp-panel");
  if (!frame) { return; }
  window.addEventListener("message", function (ev) {
    if (ev.origin !== window.location.origin || ev.source !== frame.contentWindow) { return; }
    if (!ev.data || ev.data.type !== "erp-panel:renew") { return; }
    var account = String(ev.data.account || "");
    fetch("/demo/accounts/" + encodeURIComponent(account) + "/widget-context", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (body) { frame.contentWindow.postMessage({ type: "erp-panel:context", ctx: body.ctx }, window.location.origin); }
      });
  });
})();
