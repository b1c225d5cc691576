// erp-panel account widget. Plain JS, no framework, no cookies.
// Every ERP string is inserted with textContent (never innerHTML), so names such as
// "<script>" or emoji render literally.
(function () {
  "use strict";

  var params = new URLSearchParams(window.location.search);
  var crm = params.get("crm") || "demo";
  var credential = params.get("ctx") || params.get("token") || "";
  var accountId = params.get("account") || params.get("selectedIds") || "";
  var state = { token: null, tokenExpiresAt: 0, data: null, receivedAt: 0, busy: false, retryTimer: null, retries: 0 };
  var SECTIONS = ["credit", "stock", "invoices", "pricing"];
  // A "retrying" section is loaded again by itself: after the server's hint, growing 2 s, 4 s, 8 s ... up to 60 s.
  var RETRY_FIRST_S = 2, RETRY_MAX_S = 60;

  // ---------- small DOM helpers ----------
  function $(sel, root) { return (root || document).querySelector(sel); }
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; } else if (k === "className") { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(c); } });
    return node;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }

  // ---------- formatting ----------
  function money(value, currency) {
    if (value === null || value === undefined || value === "") { return "—"; }
    var n = Number(value);
    try {
      return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "EUR" }).format(n);
    } catch (e) { return n.toFixed(2) + " " + (currency || ""); }
  }
  function qty(value) { return new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 }).format(Number(value)); }
  function day(iso) {
    if (!iso) { return "—"; }
    var d = new Date(iso + "T00:00:00");
    return isNaN(d) ? iso : d.toLocaleDateString();
  }
  function ago(seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    var s = Math.max(0, Math.round(seconds));
    if (s < 45) { return "just now"; }
    var m = Math.round(s / 60);
    if (m < 60) { return m + " min ago"; }
    var h = Math.round(m / 60);
    if (h < 48) { return h + " h ago"; }
    return Math.round(h / 24) + " days ago";
  }

  // ---------- auth ----------
  function exchange() {
    if (!credential) { return Promise.reject(new Error("This panel was opened without a CRM session. Open it from the CRM.")); }
    return fetch("/api/v1/widget/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
      body: JSON.stringify({ crm: crm, credential: credential })
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new Error(body.detail || "The CRM session could not be verified."); }
        state.token = body.token;
        state.tokenExpiresAt = Date.now() + (body.expires_in - 20) * 1000;
        if (body.object_id) { accountId = body.object_id; }
        return body;
      });
    });
  }

  // Ask the host CRM page (same origin only) for a fresh signed context when ours is too old.
  function renewCredential() {
    return new Promise(function (resolve, reject) {
      if (window.parent === window) { reject(new Error("Session expired. Reload the page.")); return; }
      var timer = setTimeout(function () { window.removeEventListener("message", onMsg); reject(new Error("Session expired. Reload the page.")); }, 4000);
      function onMsg(ev) {
        if (ev.origin !== window.location.origin || !ev.data || ev.data.type !== "erp-panel:context") { return; }
        clearTimeout(timer); window.removeEventListener("message", onMsg);
        credential = String(ev.data.ctx || ""); resolve();
      }
      window.addEventListener("message", onMsg);
      window.parent.postMessage({ type: "erp-panel:renew", account: accountId }, window.location.origin);
    });
  }

  // Optional per-CRM hooks (e.g. pipedrive-host.js): credential() gives a fresh CRM-signed
  // credential, account(api) resolves the account when the CRM opened another record type.
  function host() { return (window.ErpPanelHosts || {})[crm] || {}; }

  function ensureToken() {
    if (state.token && Date.now() < state.tokenExpiresAt) { return Promise.resolve(); }
    var fresh = host().credential ? host().credential().then(function (c) { credential = c; }) : Promise.resolve();
    return fresh.then(exchange).catch(function (err) {
      if (crm !== "demo") { throw err; }
      return renewCredential().then(exchange);
    });
  }

  function api(method, path, retried) {
    return ensureToken().then(function () {
      return fetch(path, { method: method, credentials: "omit", headers: { "Authorization": "Bearer " + state.token } });
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.status === 401 && !retried && body.reason === "invalid_widget_token") {
          // our token expired server-side (clock skew, laptop sleep): get a new one once and retry
          state.token = null;
          return api(method, path, true);
        }
        if (!r.ok) { var e = new Error(body.detail || ("Request failed (" + r.status + ")")); e.status = r.status; e.reason = body.reason; throw e; }
        return body;
      });
    });
  }

  // ---------- rendering ----------
  function setSectionState(section, s) {
    var panel = $("#panel-" + section);
    var meta = $(".age", panel);
    var box = $(".state", panel);
    clear(meta);
    if (s.as_of) {
      var text = "As of " + ago(s.age_seconds + (Date.now() - state.receivedAt) / 1000);
      meta.appendChild(el("time", { datetime: s.as_of, title: new Date(s.as_of).toLocaleString(), text: text, className: s.stale ? "stale" : "" }));
      if (s.stale) { meta.appendChild(el("span", { className: "stale", text: " · stale" })); }
    }
    var restricted = (s.visibility || "full") !== "full";
    if (s.state === "ok" && !restricted) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    box.className = "state " + (restricted ? "restricted" : s.state);
    box.textContent = s.message || "No data.";
  }

  function kv(rows) {
    var dl = el("dl", { className: "kv" });
    rows.forEach(function (r) { dl.appendChild(el("dt", { text: r[0] })); dl.appendChild(el("dd", { text: r[1], className: r[2] || "" })); });
    return dl;
  }

  function table(headers, rows) {
    var thead = el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", { text: h[0], className: h[1] || "", scope: "col" }); }))]);
    var tbody = el("tbody", {}, rows);
    return el("table", {}, [thead, tbody]);
  }

  function creditStatus(d) {
    if (d.on_hold) { return "On hold"; }
    if (d.over_limit) { return "Over limit"; }
    if (Number(d.overdue) > 0) { return "Overdue balance"; }
    return "OK";
  }

  function renderCredit(s) {
    var c = $("#panel-credit .content"); clear(c);
    var banner = $("#banner");
    var d = s.data;
    if (!d) { banner.hidden = true; return; }
    if (d.on_hold) {
      banner.hidden = false;
      banner.textContent = "Credit hold: " + (d.hold_note || d.hold_reason.replace(/_/g, " ")) + ". New orders may be blocked.";
    } else { banner.hidden = true; banner.textContent = ""; }
    c.appendChild(kv([
      ["Status", creditStatus(d), d.on_hold || d.over_limit || Number(d.overdue) > 0 ? "low" : ""],
      ["Credit limit", d.credit_limit === null ? "No limit" : money(d.credit_limit, d.currency)],
      ["Balance", money(d.balance, d.currency)],
      ["Available", d.available_credit === null ? "—" : money(d.available_credit, d.currency), Number(d.available_credit) < 0 ? "low" : ""],
      ["Overdue", money(d.overdue, d.currency), Number(d.overdue) > 0 ? "low" : ""]
    ]));
  }

  function renderStock(s) {
    var c = $("#panel-stock .content"); clear(c);
    if (!s.data) { return; }
    if (!s.data.length) { c.appendChild(el("p", { className: "muted", text: "No stock records for these items." })); return; }
    c.appendChild(table([["Item"], ["Warehouse"], ["On hand", "num"], ["Reserved", "num"], ["Available", "num"]],
      s.data.map(function (l) {
        return el("tr", {}, [
          el("td", {}, [el("div", { text: l.item_name }), el("div", { className: "muted", text: l.item_code })]),
          el("td", { text: l.warehouse }),
          el("td", { className: "num", text: qty(l.on_hand) }),
          el("td", { className: "num", text: qty(l.reserved) }),
          el("td", { className: "num" + (Number(l.available) <= 0 ? " low" : ""), text: qty(l.available) + " " + l.uom })
        ]);
      })));
  }

  function renderInvoices(s) {
    var c = $("#panel-invoices .content"); clear(c);
    var count = $("#invoice-count"); count.textContent = ""; count.className = "count";
    if (!s.data) { return; }
    var sum = s.summary || {};
    count.textContent = String(sum.open_count || 0);
    if (sum.overdue_count) { count.className = "count bad"; count.setAttribute("aria-label", sum.overdue_count + " overdue"); }
    if (!s.data.length) { c.appendChild(el("p", { className: "muted", text: "No open invoices." })); return; }
    c.appendChild(kv([
      ["Open invoices", String(sum.open_count)],
      ["Outstanding", sum.currency ? money(sum.outstanding_total, sum.currency) : "mixed currencies"],
      ["Overdue", sum.overdue_count ? sum.overdue_count + " · " + (sum.currency ? money(sum.overdue_total, sum.currency) : "") : "None", sum.overdue_count ? "low" : ""]
    ]));
    c.appendChild(table([["Invoice"], ["Due"], ["Outstanding", "num"], ["Status"]],
      s.data.map(function (i) {
        var status = i.is_overdue ? el("span", { className: "tag bad", text: "Overdue " + i.days_overdue + " d" })
          : el("span", { className: "tag", text: i.status_raw || i.status });
        return el("tr", { className: i.is_overdue ? "overdue" : "" }, [
          el("td", { text: i.number }),
          el("td", { text: day(i.due_date) }),
          el("td", { className: "num", text: money(i.outstanding, i.currency) }),
          el("td", {}, [status])
        ]);
      })));
  }

  function renderPricing(s) {
    var c = $("#panel-pricing .content"); clear(c);
    if (!s.data) { return; }
    if (!s.data.length) { c.appendChild(el("p", { className: "muted", text: "No customer prices." })); return; }
    var list = s.data[0].price_list;
    if (list) { c.appendChild(el("p", { className: "muted", text: "Price list: " + list })); }
    c.appendChild(table([["Item"], ["Your price", "num"], ["List", "num"], ["Discount", "num"]],
      s.data.map(function (p) {
        return el("tr", {}, [
          el("td", {}, [el("div", { text: p.item_name }), el("div", { className: "muted", text: p.item_code })]),
          el("td", { className: "num", text: money(p.unit_price, p.currency) }),
          el("td", { className: "num", text: p.list_price === null ? "—" : money(p.list_price, p.currency) }),
          el("td", { className: "num", text: p.discount_percent === null ? "—" : Number(p.discount_percent) + " %" })
        ]);
      })));
  }

  var RENDER = { credit: renderCredit, stock: renderStock, invoices: renderInvoices, pricing: renderPricing };
  var BAD_BADGES = { credit_hold: true, over_limit: true, overdue: true, out_of_stock: true };

  // role-based figures: a section shown as badges has no data, only facts such as "Over credit limit"
  function renderBadges(section, s) {
    var c = $("#panel-" + section + " .content"); clear(c);
    if (section === "credit") { $("#banner").hidden = true; }
    if (section === "invoices") { $("#invoice-count").textContent = ""; }
    (s.badges || []).forEach(function (b) {
      c.appendChild(el("span", { className: "tag" + (BAD_BADGES[b.code] ? " bad" : ""), text: b.label }));
    });
  }

  function render(body) {
    state.data = body; state.receivedAt = Date.now();
    $("#customer-name").textContent = body.customer_name || (body.linked ? body.erp_customer_id : "Not linked to ERP");
    $("#customer-id").textContent = body.erp_customer_id ? "ERP customer " + body.erp_customer_id : "";
    var notice = $("#notice");
    var stale = SECTIONS.filter(function (k) { return body.sections[k].stale; });
    if (stale.length) { notice.hidden = false; notice.textContent = "The ERP is not answering; some figures are older than usual."; }
    else { notice.hidden = true; notice.textContent = ""; }
    SECTIONS.forEach(function (k) {
      var s = body.sections[k];
      setSectionState(k, s);
      if ((s.visibility || "full") === "full") { RENDER[k](s); } else { renderBadges(k, s); }
    });
    $("#refresh").disabled = !body.linked;
    scheduleRetry(body);
  }

  function panelPath() { return "/api/v1/panel/accounts/" + encodeURIComponent(accountId); }

  // Sections the ERP did not answer for yet: load the panel again while it stays open (no reload needed).
  function scheduleRetry(body) {
    if (state.retryTimer) { clearTimeout(state.retryTimer); state.retryTimer = null; }
    var hints = SECTIONS.filter(function (k) { return body && body.sections[k].state === "retrying"; })
      .map(function (k) { return Number(body.sections[k].retry_after_seconds) || RETRY_FIRST_S; });
    if (!hints.length) { state.retries = 0; return; }
    var backoff = RETRY_FIRST_S * Math.pow(2, state.retries);
    var delay = Math.min(RETRY_MAX_S, Math.max(Math.min.apply(null, hints), backoff));
    state.retries += 1;
    state.retryTimer = setTimeout(function () {
      state.retryTimer = null;
      if (state.busy) { scheduleRetry(state.data); return; }
      load(panelPath(), "GET", true);
    }, delay * 1000);
  }

  function showFatal(message) {
    $("#loading").textContent = "";
    var box = $("#panel-credit .state");
    box.hidden = false; box.className = "state error"; box.textContent = message;
  }

  // ``quiet``: an automatic re-load of retrying sections; the sections say what is going on.
  function load(path, method, quiet) {
    $("#app").setAttribute("aria-busy", "true");
    if (!quiet) { $("#loading").textContent = method === "POST" ? "Refreshing from the ERP…" : "Loading ERP data…"; }
    return api(method || "GET", path).then(function (body) {
      render(body);
      if (!quiet) { $("#loading").textContent = method === "POST" ? "Updated." : ""; }
    }).catch(function (err) {
      if (err.status === 429 && state.data) { $("#loading").textContent = err.message; return; }
      if (quiet && state.data) { scheduleRetry(state.data); return; }   // keep what is shown; try again later
      showFatal(err.message || "Something went wrong loading ERP data.");
    }).then(function () { $("#app").setAttribute("aria-busy", "false"); });
  }

  // ---------- tabs (WAI-ARIA tabs pattern) ----------
  function selectTab(tab) {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    });
    tab.focus();
  }
  function initTabs() {
    var tabs = Array.prototype.slice.call(document.querySelectorAll("[role=tab]"));
    tabs.forEach(function (t, i) {
      t.addEventListener("click", function () { selectTab(t); });
      t.addEventListener("keydown", function (ev) {
        var next = null;
        if (ev.key === "ArrowRight") { next = tabs[(i + 1) % tabs.length]; }
        else if (ev.key === "ArrowLeft") { next = tabs[(i - 1 + tabs.length) % tabs.length]; }
        else if (ev.key === "Home") { next = tabs[0]; }
        else if (ev.key === "End") { next = tabs[tabs.length - 1]; }
        if (next) { ev.preventDefault(); selectTab(next); }
      });
    });
  }

  function start() {
    initTabs();
    $("#refresh").addEventListener("click", function () {
      if (!accountId || state.busy) { return; }
      state.busy = true; $("#refresh").disabled = true;
      load(panelPath() + "/refresh", "POST")
        .then(function () { state.busy = false; $("#refresh").disabled = !(state.data && state.data.linked); });
    });
    // keep the "as of" labels honest while the panel stays open
    setInterval(function () {
      if (!state.data) { return; }
      SECTIONS.forEach(function (k) { setSectionState(k, state.data.sections[k]); });
    }, 30000);
    ensureToken().then(function () {
      if (window.ErpPanelDeal) { window.ErpPanelDeal.start(api); }     // the deal block (deal.js), when on a deal
      if (accountId || !host().account) { return accountId; }
      return host().account(api).then(function (id) { accountId = id; });
    }).then(function () {
      if (!accountId) { throw new Error("The CRM did not say which account is open."); }
      return load(panelPath());
    }).catch(function (err) { showFatal(err.message); $("#app").setAttribute("aria-busy", "false"); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
