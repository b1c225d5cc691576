// erp-panel order block: the ERP order of the deal the widget was opened on and its timeline, from
// GET /api/v1/deals/<id>/order (stage texts come translated from the server). Data-driven and unstyled
// beyond the deal block's classes; deal.js starts it with the widget's authenticated ``api``.
(function () {
  "use strict";

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function when(iso) {
    var date = new Date(iso);
    return isNaN(date.getTime()) ? iso : date.toLocaleString();
  }

  function render(box, body) {
    var head = el("div", "deal-head");
    head.appendChild(el("h2", "", "ERP order " + body.order_number));
    head.appendChild(el("span", "tag stage-" + body.stage, body.stage_text));
    box.appendChild(head);
    [body.delivery_status, body.invoice_status].forEach(function (line) {
      if (line) { box.appendChild(el("p", "deal-summary", line)); }
    });
    if (!body.events.length) { return; }
    var list = el("ol", "order-timeline");
    body.events.forEach(function (event) {
      var li = el("li", "stage-" + event.stage);
      li.appendChild(el("span", "tag", event.stage_text));
      var time = el("time", "", " " + when(event.seen_at));
      time.setAttribute("datetime", event.seen_at);
      li.appendChild(time);
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  window.ErpPanelOrder = {
    start: function (api, dealId) {
      var box = document.getElementById("deal-order");
      if (!box || !dealId) { return; }
      api("GET", "/api/v1/deals/" + encodeURIComponent(dealId) + "/order")
        .then(function (body) {
          while (box.firstChild) { box.removeChild(box.firstChild); }
          render(box, body);
          box.hidden = false;
        })
        .catch(function () { box.hidden = true; });   // no order yet (404): nothing to show
    }
  };
})();
