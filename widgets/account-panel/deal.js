// erp-panel deal block: the deal the widget was opened on (?deal=<id>, or Pipedrive's ?resource=deal&record=<id>):
// its order readiness and its own lines (quantity against the stock summed across warehouses, the deal's price
// against the customer's ERP price). Self-contained: panel.js hands it its authenticated ``api`` once the widget
// has a session (window.ErpPanelDeal.start) and gets the deal's amount back for the glance line. Text goes in with
// textContent only.
(function () {
  "use strict";
  var I = window.ErpPanelI18n;
  var params = new URLSearchParams(window.location.search);
  var boot = (document.getElementById("app") || {}).dataset || {};   // Salesforce Canvas: start values on #app
  var dealId = params.get("deal") || boot.deal || (params.get("resource") === "deal" ? (params.get("record") || "") : "");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // "40 needed, 35 available: 5 short" (with a glyph, not only colour) and the prices compared.
  function lineRow(line) {
    var li = el("li", "deal-line");
    var head = el("div", "deal-line-head");
    head.appendChild(el("span", "", line.name || line.sku));
    head.appendChild(el("span", "muted code", line.sku));
    li.appendChild(head);
    var need = I.number(line.quantity);
    var stock;
    if (line.available === null) {
      stock = el("div", "muted", I.t("line_no_stock", { need: need }));
    } else if (Number(line.short) > 0) {
      stock = el("div", "low", "⚠ " + I.t("line_short", { need: need, have: I.number(line.available), short: I.number(line.short) }));
    } else {
      stock = el("div", "", "✓ " + I.t("line_enough", { need: need, have: I.number(line.available) }));
    }
    li.appendChild(stock);
    var price = I.t("deal_price", { price: I.money(line.deal_price, line.currency) });
    if (line.customer_price === null) {
      price += " · " + I.t("no_customer_price");
    } else {
      price += " · " + I.t("customer_price", { price: I.money(line.customer_price, line.customer_currency || line.currency) });
      if (Number(line.customer_price) > 0 && (!line.customer_currency || line.customer_currency === line.currency)) {
        var pct = (Number(line.deal_price) - Number(line.customer_price)) / Number(line.customer_price) * 100;
        if (Math.abs(pct) >= 0.05) { price += " (" + I.t("price_diff", { pct: (pct > 0 ? "+" : "") + I.number(pct, 1) }) + ")"; }
      }
    }
    li.appendChild(el("div", "muted", price));
    return li;
  }

  function renderReadiness(box, body) {
    var head = el("div", "deal-head");
    head.appendChild(el("h2", "", I.t("readiness")));
    head.appendChild(el("span", "tag state-" + body.state, I.t("r_" + body.state)));
    box.appendChild(head);
    box.appendChild(el("p", "deal-summary", body.summary));
    if (body.items.length) {
      var list = el("ul", "deal-items");
      body.items.forEach(function (item) {
        var li = el("li", "sev-" + item.severity);
        li.appendChild(el("span", "tag sev", I.t("sev_" + item.severity)));
        li.appendChild(document.createTextNode(" " + item.message));
        if (item.owner) { li.appendChild(el("span", "sr-only", " " + I.t("fixed_by", { who: I.t("o_" + item.owner) }))); }
        list.appendChild(li);
      });
      box.appendChild(list);
    }
    if (body.lines && body.lines.length) {
      box.appendChild(el("h3", "deal-lines-title", I.t("deal_lines")));
      var lines = el("ul", "deal-lines");
      body.lines.forEach(function (line) { lines.appendChild(lineRow(line)); });
      box.appendChild(lines);
      if (body.amount !== null) { box.appendChild(el("p", "muted", I.t("deal_total", { amount: I.money(body.amount, body.currency) }))); }
    }
  }

  function show(render, body) {
    var box = document.getElementById("deal");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    render(box, body);
    box.hidden = false;
    box.setAttribute("aria-busy", "false");
  }

  // "Could not check" means the check goes on in the background: ask again while the panel is open
  // (3 s, 6 s, 12 s ... at most 60 s, a few times).
  var RECHECK_FIRST_S = 3, RECHECK_MAX_S = 60, RECHECKS = 6;

  function check(api, onDeal, tries) {
    api("GET", "/api/v1/deals/" + encodeURIComponent(dealId) + "/readiness")
      .then(function (body) {
        show(renderReadiness, body);
        if (onDeal && body.amount !== null && body.amount !== undefined) { onDeal({ amount: body.amount, currency: body.currency }); }
        if (body.state === "could_not_check" && tries < RECHECKS) {
          setTimeout(function () { check(api, onDeal, tries + 1); },
                     Math.min(RECHECK_MAX_S, RECHECK_FIRST_S * Math.pow(2, tries)) * 1000);
        }
      })
      .catch(function (err) {
        show(function (b) { b.appendChild(el("p", "deal-summary", err.message || I.t("deal_failed"))); }, {});
      });
  }

  window.ErpPanelDeal = {
    // ``onDeal({amount, currency})``: the deal's amount, for the glance line's credit room.
    start: function (api, onDeal) {
      if (!dealId) { return; }
      if (window.ErpPanelOrder) { window.ErpPanelOrder.start(api, dealId); }   // the deal's ERP order (order.js)
      var box = document.getElementById("deal");
      box.hidden = false;
      box.setAttribute("aria-busy", "true");
      box.textContent = I.t("checking_deal");
      check(api, onDeal, 0);
    }
  };
})();
