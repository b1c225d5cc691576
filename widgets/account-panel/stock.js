// erp-panel widget: stock grouped by item (quantities summed across warehouses), warehouse detail on demand
// (<details>), and a search over item code and name. window.ErpPanelStock.
(function () {
  "use strict";
  var I = window.ErpPanelI18n;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // One entry per item code, in first-seen order: totals and the warehouses' lines.
  function group(lines) {
    var items = [], byCode = {};
    lines.forEach(function (l) {
      var item = byCode[l.item_code];
      if (!item) {
        item = byCode[l.item_code] = { code: l.item_code, name: l.item_name, uom: l.uom, available: 0, on_hand: 0, lines: [] };
        items.push(item);
      }
      item.available += Number(l.available); item.on_hand += Number(l.on_hand); item.lines.push(l);
    });
    return items;
  }

  function matches(item, query) {
    if (!query) { return true; }
    var q = query.toLowerCase();
    return item.code.toLowerCase().indexOf(q) >= 0 || (item.name || "").toLowerCase().indexOf(q) >= 0;
  }

  function itemRow(item) {
    var li = el("li", "stock-item");
    var details = el("details");
    var summary = el("summary");
    var name = el("span", "stock-name");
    name.appendChild(el("span", "", item.name || item.code));
    name.appendChild(el("span", "muted code", item.code));
    summary.appendChild(name);
    var out = item.available <= 0;
    var qty = el("span", "stock-qty" + (out ? " low" : ""));
    qty.appendChild(el("span", "", I.number(item.available) + " " + item.uom));
    // the state in words, not only in colour
    qty.appendChild(el("span", "stock-state", out ? "✕ " + I.t("out_of_stock") : "✓ " + I.t("in_stock")));
    summary.appendChild(qty);
    details.appendChild(summary);
    var list = el("ul", "warehouses");
    item.lines.forEach(function (l) {
      list.appendChild(el("li", Number(l.available) <= 0 ? "low" : "", I.t("wh_line", {
        wh: l.warehouse, avail: I.number(l.available), onhand: I.number(l.on_hand), reserved: I.number(l.reserved) })));
    });
    details.appendChild(list);
    li.appendChild(details);
    return li;
  }

  // Renders into ``box``; the search box keeps its text and focus across re-renders of the same section.
  function render(box, lines, state) {
    var query = state.query || "";
    while (box.firstChild) { box.removeChild(box.firstChild); }
    if (!lines.length) { box.appendChild(el("p", "muted", I.t("no_stock"))); return; }
    var label = el("label", "search");
    label.appendChild(el("span", "sr-only", I.t("find_item")));
    var input = el("input");
    input.type = "search"; input.id = "stock-search"; input.placeholder = I.t("find_item"); input.value = query;
    input.setAttribute("autocomplete", "off");
    label.appendChild(input);
    box.appendChild(label);
    var list = el("ul", "stock-list");
    list.setAttribute("aria-label", I.t("tab_stock"));
    var status = el("p", "muted search-status");
    status.setAttribute("role", "status");
    box.appendChild(list);
    box.appendChild(status);
    var items = group(lines);
    function fill() {
      while (list.firstChild) { list.removeChild(list.firstChild); }
      var shown = items.filter(function (item) { return matches(item, state.query); });
      shown.forEach(function (item) { list.appendChild(itemRow(item)); });
      status.textContent = shown.length ? "" : I.t("no_match", { q: state.query });
    }
    input.addEventListener("input", function () { state.query = input.value.trim(); fill(); });
    fill();
  }

  window.ErpPanelStock = { render: render, group: group };
})();
