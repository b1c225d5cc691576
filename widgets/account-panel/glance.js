// erp-panel widget: the "can I sell?" line above the tabs, the outage line, and the small charts drawn from
// data already fetched (credit use bar, invoice aging). Every chart is inline SVG with a text equivalent; text
// goes in with textContent only. window.ErpPanelGlance.
(function () {
  "use strict";
  var I = window.ErpPanelI18n;
  var SVG = "http://www.w3.org/2000/svg";
  var VERDICT = {
    on_hold: { icon: "⚠", tone: "bad" }, over_limit: { icon: "⚠", tone: "bad" }, overdue: { icon: "⚠", tone: "warn" },
    ok: { icon: "✓", tone: "ok" }, unknown: { icon: "?", tone: "" }
  };

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function svg(tag, attrs) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  // The facts of the line, most serious first; ``deal`` ({amount, currency}) adds the credit room for it.
  function parts(g, deal) {
    var out = [];
    if (g.verdict === "on_hold") {
      var note = g.hold_note || (g.hold_reason || "").replace(/_/g, " ");
      if (note) { out.push(note); }
    } else if (g.verdict === "over_limit") {
      out.push(I.t("over_by", { amount: I.money(-Number(g.available_credit), g.currency) }));
    } else if (g.on_hold === null) {
      out.push(I.t("credit_unknown"));
    }
    if (g.overdue_count) {
      var amount = g.overdue_currency ? I.money(g.overdue_total, g.overdue_currency) : I.t("mixed");
      out.push(g.overdue_count === 1 ? I.t("overdue_one", { amount: amount, days: g.oldest_overdue_days })
        : I.t("overdue_line", { n: g.overdue_count, amount: amount, days: g.oldest_overdue_days }));
    }
    if (g.verdict !== "on_hold" && g.verdict !== "over_limit" && g.on_hold !== null) {
      var room = g.credit_limit === null ? I.t("no_limit") : I.t("available", { amount: I.money(g.available_credit, g.currency) });
      var covers = dealRoom(g, deal);
      if (covers) { room += " — " + covers; }
      out.push(room);
    }
    return out;
  }

  // "covers this deal" / "CHF 200 short for this deal" / "" when it cannot be said (no figure, other currency).
  function dealRoom(g, deal) {
    if (!deal || deal.amount === null || deal.amount === undefined) { return ""; }
    var amount = Number(deal.amount);
    if (g.credit_limit === null) { return I.t("covers_deal", { amount: I.money(amount, deal.currency) }); }
    if (g.available_credit === null || (deal.currency && g.currency && deal.currency !== g.currency)) { return ""; }
    var available = Number(g.available_credit);
    return available >= amount ? I.t("covers_deal", { amount: I.money(amount, deal.currency) })
      : I.t("short_for_deal", { amount: I.money(amount - available, deal.currency) });
  }

  // Oldest "as of" of the sections shown stale, and the earliest "unreachable since".
  function outage(body) {
    var asOf = null, since = body.glance ? body.glance.unreachable_since : null;
    Object.keys(body.sections).forEach(function (k) {
      var s = body.sections[k];
      if (s.unreachable_since && (!since || s.unreachable_since < since)) { since = s.unreachable_since; }
      if (s.stale && s.as_of && (!asOf || s.as_of < asOf)) { asOf = s.as_of; }
    });
    if (!since) { return ""; }
    return asOf ? I.t("as_of_unreachable", { time: I.time(asOf), since: I.time(since) }) : I.t("unreachable_since", { since: I.time(since) });
  }

  function render(box, body, deal) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var g = body.glance;
    if (!g) { box.hidden = true; return; }
    var v = VERDICT[g.verdict] || VERDICT.unknown;
    box.hidden = false;
    box.className = "glance " + (v.tone ? "tone-" + v.tone : "");
    var badge = el("span", "verdict");
    badge.appendChild(el("span", "icon", v.icon)).setAttribute("aria-hidden", "true");
    // a hold read before the outage says when it was read: "On hold as of 14:02"
    var verdict = g.verdict === "on_hold" && g.hold_last_known && g.hold_as_of
      ? I.t("on_hold_as_of", { time: I.time(g.hold_as_of) }) : I.t("v_" + g.verdict);
    badge.appendChild(document.createTextNode(" " + verdict));
    var line = el("p", "glance-line");
    line.appendChild(el("span", "sr-only", I.t("glance") + " "));
    line.appendChild(badge);
    var facts = parts(g, deal);
    if (facts.length) { line.appendChild(el("span", "facts", " " + facts.join(" · "))); }
    box.appendChild(line);
    var down = outage(body);
    if (down) { box.appendChild(el("p", "outage", down)); }
  }

  // Credit use: balance against the limit, as a bar (with its sentence beside it).
  function creditBar(d) {
    if (d.credit_limit === null || Number(d.credit_limit) <= 0) { return null; }
    var limit = Number(d.credit_limit), used = Number(d.balance);
    var pct = Math.round(used / limit * 100);
    var wrap = el("figure", "chart credit-bar");
    var label = I.t("credit_use", { used: I.money(used, d.currency), limit: I.money(limit, d.currency), pct: pct });
    var pic = svg("svg", { viewBox: "0 0 300 14", width: "100%", height: "14", preserveAspectRatio: "none",
                           role: "img", "aria-label": label, focusable: "false" });
    pic.appendChild(svg("rect", { x: 0, y: 0, width: 300, height: 14, rx: 3, "class": "bar-bg" }));
    pic.appendChild(svg("rect", { x: 0, y: 0, width: Math.max(0, Math.min(300, 300 * used / limit)), height: 14, rx: 3,
                                 "class": pct > 100 ? "bar-over" : pct >= 80 ? "bar-high" : "bar-used" }));
    if (pct > 100) {   // the part past the limit is hatched, not only coloured
      pic.appendChild(svg("rect", { x: 300 * limit / used, y: 0, width: 300 - 300 * limit / used, height: 14, "class": "bar-hatch" }));
    }
    wrap.appendChild(pic);
    wrap.appendChild(el("figcaption", "chart-text", I.t("credit_use_short", { pct: pct })));
    return wrap;
  }

  // Invoice aging: outstanding per bucket (not yet due, 1-30, 31-60, 61-90, 90+ days past due).
  function agingBuckets(invoices) {
    var buckets = [["aging_current", 0, 0], ["aging_1", 0, 0], ["aging_31", 0, 0], ["aging_61", 0, 0], ["aging_90", 0, 0]];
    invoices.forEach(function (i) {
      var d = i.is_overdue ? Number(i.days_overdue) : 0;
      var n = !i.is_overdue ? 0 : d <= 30 ? 1 : d <= 60 ? 2 : d <= 90 ? 3 : 4;
      buckets[n][1] += Number(i.outstanding); buckets[n][2] += 1;
    });
    return buckets;
  }

  function aging(invoices, currency) {
    if (!invoices.length) { return null; }
    var buckets = agingBuckets(invoices);
    var top = Math.max.apply(null, buckets.map(function (b) { return currency ? b[1] : b[2]; })) || 1;
    var wrap = el("figure", "chart aging");
    wrap.appendChild(el("figcaption", "chart-title", I.t("aging")));
    var list = el("ul", "aging-rows");
    list.setAttribute("aria-label", I.t("aging"));
    buckets.forEach(function (b, n) {
      var value = currency ? b[1] : b[2];
      var li = el("li", n ? "late" : "");
      li.appendChild(el("span", "aging-label", I.t(b[0])));
      var pic = svg("svg", { viewBox: "0 0 100 10", width: "100%", height: "10", preserveAspectRatio: "none",
                             "aria-hidden": "true", focusable: "false" });
      pic.appendChild(svg("rect", { x: 0, y: 0, width: 100 * value / top, height: 10, rx: 2, "class": n ? "bar-late" : "bar-used" }));
      li.appendChild(pic);
      li.appendChild(el("span", "aging-value", currency ? I.money(b[1], currency) : String(b[2])));
      list.appendChild(li);
    });
    wrap.appendChild(list);
    return wrap;
  }

  window.ErpPanelGlance = { render: render, parts: parts, creditBar: creditBar, aging: aging, agingBuckets: agingBuckets };
})();
