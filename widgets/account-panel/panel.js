// erp-panel account widget. Plain JS, no framework, no cookies.
// Every ERP string is inserted with textContent (never innerHTML), so names such as
// "<script>" or emoji render literally. Strings and formats: i18n.js; the glance line and charts:
// glance.js; stock: stock.js; the deal block: deal.js.
(function () {
  "use strict";

  var I = window.ErpPanelI18n;
  var params = new URLSearchParams(window.location.search);
  // A CRM entry page that receives the credential by POST (Salesforce Canvas) puts the start values on #app.
  var boot = (document.getElementById("app") || {}).dataset || {};
  var crm = params.get("crm") || boot.crm || "demo";
  var credential = params.get("ctx") || params.get("token") || boot.credential || "";
  var accountId = params.get("account") || params.get("selectedIds") || boot.account || "";
  var state = { token: null, tokenExpiresAt: 0, data: null, receivedAt: 0, busy: false, retryTimer: null, retries: 0,
                cooldownUntil: 0, cooldownTimer: null, stock: { query: "" }, deal: null, exchanges: 0, firstPanel: null };
  var SECTIONS = ["credit", "stock", "invoices", "pricing"];
  // While a section is not fresh (retrying, stale, unavailable) the panel loads again by itself: after the server's
  // hint, growing 2 s, 4 s, 8 s ... up to 60 s, and stops once every section is fresh again.
  var RETRY_FIRST_S = 2, RETRY_MAX_S = 60;
  var NOT_FRESH = { retrying: 1, stale: 1, unavailable: 1 };

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

  // ---------- auth ----------
  // The first exchange names the account when the widget knows it: the answer then carries the first panel
  // read too (one round trip instead of two).
  function exchange() {
    if (!credential) { return Promise.reject(new Error(I.t("no_session"))); }
    var request = { crm: crm, credential: credential };
    if (accountId && !state.exchanges) { request.account = accountId; }
    state.exchanges += 1;
    return fetch("/api/v1/widget/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, credentials: "omit",
      body: JSON.stringify(request)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (!r.ok) { throw new Error(body.detail || "The CRM session could not be verified."); }
        state.token = body.token;
        state.tokenExpiresAt = Date.now() + (body.expires_in - 20) * 1000;
        if (body.object_id) { accountId = body.object_id; }
        if (body.panel && body.panel.crm_account_id === accountId) { state.firstPanel = body.panel; }
        return body;
      });
    });
  }

  // Ask the host CRM page (same origin only) for a fresh signed context when ours is too old.
  function renewCredential() {
    return new Promise(function (resolve, reject) {
      if (window.parent === window) { reject(new Error(I.t("session_expired"))); return; }
      var timer = setTimeout(function () { window.removeEventListener("message", onMsg); reject(new Error(I.t("session_expired"))); }, 4000);
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
        if (!r.ok) {
          var e = new Error(body.detail || ("Request failed (" + r.status + ")"));
          e.status = r.status; e.reason = body.reason; e.retryAfter = Number(r.headers.get("Retry-After")) || 0;
          throw e;
        }
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
      var text = I.t("as_of", { ago: I.ago(s.age_seconds + (Date.now() - state.receivedAt) / 1000) });
      meta.appendChild(el("time", { datetime: s.as_of, title: new Date(s.as_of).toLocaleString(I.locale), text: text, className: s.stale ? "stale" : "" }));
      if (s.stale) { meta.appendChild(el("span", { className: "stale", text: " · ⚠ " + I.t("stale") })); }
    }
    var restricted = (s.visibility || "full") !== "full";
    if (s.state === "ok" && !restricted) { box.hidden = true; box.textContent = ""; return; }
    box.hidden = false;
    box.className = "state " + (restricted ? "restricted" : s.state);
    box.textContent = s.message || I.t("no_data");
  }

  function kv(rows) {
    var dl = el("dl", { className: "kv" });
    rows.forEach(function (r) { dl.appendChild(el("dt", { text: r[0] })); dl.appendChild(el("dd", { text: r[1], className: r[2] || "" })); });
    return dl;
  }

  function table(headers, rows, caption) {
    var thead = el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", { text: h[0], className: h[1] || "", scope: "col" }); }))]);
    return el("table", {}, [caption ? el("caption", { className: "sr-only", text: caption }) : null, thead, el("tbody", {}, rows)]);
  }

  function creditStatus(d) {
    if (d.on_hold) { return "⚠ " + I.t("st_on_hold"); }
    if (d.over_limit) { return "⚠ " + I.t("st_over_limit"); }
    if (Number(d.overdue) > 0) { return "⚠ " + I.t("st_overdue"); }
    return "✓ " + I.t("st_ok");
  }

  function renderCredit(s) {
    var c = $("#panel-credit .content"); clear(c);
    var d = s.data;
    if (!d) { return; }
    var negative = d.available_credit !== null && Number(d.available_credit) < 0;
    c.appendChild(kv([
      [I.t("status"), creditStatus(d), d.on_hold || d.over_limit || Number(d.overdue) > 0 ? "low" : ""],
      [I.t("credit_limit"), d.credit_limit === null ? I.t("no_limit") : I.money(d.credit_limit, d.currency)],
      [I.t("balance"), I.money(d.balance, d.currency)],
      // a negative figure says so in words too (not only by colour)
      [I.t("available_label"), d.available_credit === null ? "—" : I.money(d.available_credit, d.currency) +
        (negative ? " (" + I.t("over_limit_note") + ")" : ""), negative ? "low" : ""],
      [I.t("overdue"), I.money(d.overdue, d.currency), Number(d.overdue) > 0 ? "low" : ""]
    ]));
    var bar = window.ErpPanelGlance.creditBar(d);
    if (bar) { c.appendChild(bar); }
  }

  function renderStock(s) {
    var c = $("#panel-stock .content");
    if (!s.data) { clear(c); return; }
    var focused = document.activeElement && document.activeElement.id === "stock-search";
    window.ErpPanelStock.render(c, s.data, state.stock);
    if (focused) { $("#stock-search").focus(); }
  }

  function renderInvoices(s) {
    var c = $("#panel-invoices .content"); clear(c);
    var count = $("#invoice-count"); count.textContent = ""; count.className = "count"; count.removeAttribute("aria-label");
    if (!s.data) { return; }
    var sum = s.summary || {};
    if (sum.overdue_count) {
      count.className = "count bad"; count.textContent = "⚠ " + (sum.open_count || 0);
      count.setAttribute("aria-label", I.t("overdue_count_label", { n: sum.open_count, late: sum.overdue_count }));
    } else {
      count.textContent = String(sum.open_count || 0);
      count.setAttribute("aria-label", I.t("open_count_label", { n: sum.open_count || 0 }));
    }
    if (!s.data.length) { c.appendChild(el("p", { className: "muted", text: I.t("no_invoices") })); return; }
    c.appendChild(kv([
      [I.t("open_invoices"), String(sum.open_count)],
      [I.t("outstanding"), sum.currency ? I.money(sum.outstanding_total, sum.currency) : I.t("mixed")],
      [I.t("overdue"), sum.overdue_count ? sum.overdue_count + " · " + (sum.currency ? I.money(sum.overdue_total, sum.currency) : "") : I.t("none"), sum.overdue_count ? "low" : ""]
    ]));
    var chart = window.ErpPanelGlance.aging(s.data, sum.currency);
    if (chart) { c.appendChild(chart); }
    c.appendChild(table([[I.t("invoice"), "col-inv"], [I.t("outstanding"), "num col-amount"], [I.t("inv_status"), "col-status"]],
      s.data.map(function (i) {
        var status = i.is_overdue ? el("span", { className: "tag bad", text: "⚠ " + I.t("overdue_days", { n: i.days_overdue }) })
          : el("span", { className: "tag", text: i.status_raw || i.status });
        return el("tr", { className: i.is_overdue ? "overdue" : "" }, [
          el("td", {}, [el("div", { className: "inv-no", text: i.number }),
                        el("div", { className: "muted", text: I.t("due", { date: I.day(i.due_date) }) })]),
          el("td", { className: "num", text: I.money(i.outstanding, i.currency) }),
          el("td", {}, [status])
        ]);
      }), I.t("open_invoices")));
  }

  function renderPricing(s) {
    var c = $("#panel-pricing .content"); clear(c);
    if (!s.data) { return; }
    if (!s.data.length) { c.appendChild(el("p", { className: "muted", text: I.t("no_prices") })); return; }
    var list = s.data[0].price_list;
    if (list) { c.appendChild(el("p", { className: "muted", text: I.t("price_list", { name: list }) })); }
    c.appendChild(table([[I.t("item")], [I.t("your_price"), "num"], [I.t("list_price"), "num"]],
      s.data.map(function (p) {
        var off = p.discount_percent !== null && Number(p.discount_percent) ? I.t("discount", { pct: I.number(p.discount_percent, 2) }) : "";
        return el("tr", {}, [
          el("td", {}, [el("div", { text: p.item_name }), el("div", { className: "muted code", text: p.item_code })]),
          el("td", { className: "num" }, [el("div", { text: I.money(p.unit_price, p.currency) }),
                                          off ? el("div", { className: "muted", text: off }) : null]),
          el("td", { className: "num", text: p.list_price === null ? "—" : I.money(p.list_price, p.currency) })
        ]);
      }), I.t("tab_pricing")));
  }

  var RENDER = { credit: renderCredit, stock: renderStock, invoices: renderInvoices, pricing: renderPricing };
  var BAD_BADGES = { credit_hold: true, over_limit: true, overdue: true, out_of_stock: true };

  // role-based figures: a section shown as badges has no data, only facts such as "Over credit limit"
  function renderBadges(section, s) {
    var c = $("#panel-" + section + " .content"); clear(c);
    if (section === "invoices") { $("#invoice-count").textContent = ""; }
    (s.badges || []).forEach(function (b) {
      c.appendChild(el("span", { className: "tag" + (BAD_BADGES[b.code] ? " bad" : ""), text: b.label }));
    });
  }

  function renderGlance() {
    if (state.data) { window.ErpPanelGlance.render($("#glance"), state.data, state.deal); }
  }

  function render(body) {
    state.data = body; state.receivedAt = Date.now();
    $("#customer-name").textContent = body.customer_name || (body.linked ? body.erp_customer_id : I.t("not_linked"));
    $("#customer-id").textContent = body.erp_customer_id ? I.t("erp_customer", { id: body.erp_customer_id }) : "";
    var notice = $("#notice");
    var stale = SECTIONS.filter(function (k) { return body.sections[k].stale; });
    if (stale.length) { notice.hidden = false; notice.textContent = I.t("stale_notice"); }
    else { notice.hidden = true; notice.textContent = ""; }
    renderGlance();
    SECTIONS.forEach(function (k) {
      var s = body.sections[k];
      setSectionState(k, s);
      if ((s.visibility || "full") === "full") { RENDER[k](s); } else { renderBadges(k, s); }
    });
    setRefreshUsable();
    scheduleRetry(body);
  }

  function panelPath() { return "/api/v1/panel/accounts/" + encodeURIComponent(accountId); }

  function notFresh(body) { return SECTIONS.filter(function (k) { return body && NOT_FRESH[body.sections[k].state]; }); }

  // Sections the ERP did not answer for: load the panel again while it stays open (no reload needed).
  function scheduleRetry(body) {
    if (state.retryTimer) { clearTimeout(state.retryTimer); state.retryTimer = null; }
    var waiting = notFresh(body);
    if (!waiting.length) { state.retries = 0; return; }
    var hints = waiting.map(function (k) { return Number(body.sections[k].retry_after_seconds) || RETRY_FIRST_S; });
    var backoff = RETRY_FIRST_S * Math.pow(2, state.retries);
    var delay = Math.min(RETRY_MAX_S, Math.max(Math.min.apply(null, hints), backoff));
    state.retries += 1;
    state.retryTimer = setTimeout(function () {
      state.retryTimer = null;
      if (state.busy) { scheduleRetry(state.data); return; }
      load(panelPath(), "GET", true);
    }, delay * 1000);
  }

  // ---------- refresh: keeps focus (aria-disabled, never disabled while in use) and says when it works again ----------
  function say(text) { $("#refresh-status").textContent = text; }
  function setRefreshUsable() {
    var button = $("#refresh");
    var linked = !!(state.data && state.data.linked);
    button.hidden = false;
    if (!linked) { button.disabled = true; return; }
    button.disabled = false;
    button.setAttribute("aria-disabled", state.busy || Date.now() < state.cooldownUntil ? "true" : "false");
  }
  function coolDown(seconds) {
    state.cooldownUntil = Date.now() + seconds * 1000;
    if (state.cooldownTimer) { clearTimeout(state.cooldownTimer); }
    say(I.t("refresh_again_in", { s: Math.ceil(seconds) }));
    setRefreshUsable();
    state.cooldownTimer = setTimeout(function () {
      state.cooldownTimer = null; setRefreshUsable(); say(I.t("refresh_ready"));
    }, seconds * 1000);
  }

  function refresh() {
    if (!accountId || state.busy || !(state.data && state.data.linked)) { return; }
    if (Date.now() < state.cooldownUntil) { say(I.t("refresh_again_in", { s: Math.ceil((state.cooldownUntil - Date.now()) / 1000) })); return; }
    state.busy = true; setRefreshUsable();
    load(panelPath() + "/refresh", "POST").then(function () { state.busy = false; setRefreshUsable(); });
  }

  function showFatal(message) {
    $("#loading").textContent = "";
    var box = $("#panel-credit .state");
    box.hidden = false; box.className = "state error"; box.textContent = message;
  }

  // After a refresh: "Updated." only when every section came back fresh; otherwise the time shown.
  function refreshOutcome(body) {
    var behind = SECTIONS.map(function (k) { return body.sections[k]; }).filter(function (s) { return s.state !== "ok"; });
    if (!behind.length) { return I.t("updated"); }
    var times = behind.map(function (s) { return s.as_of; }).filter(Boolean).sort();
    return I.t("refresh_fell_back", { time: times.length ? I.time(times[0]) : "—" });
  }

  // ``quiet``: an automatic re-load of sections that are not fresh; the sections say what is going on.
  function load(path, method, quiet) {
    $("#app").setAttribute("aria-busy", "true");
    if (!quiet) { $("#loading").textContent = method === "POST" ? I.t("refreshing") : I.t("loading"); }
    return api(method || "GET", path).then(function (body) {
      render(body);
      if (!quiet) { $("#loading").textContent = ""; }
      if (method === "POST") { say(refreshOutcome(body)); }
    }).catch(function (err) {
      if (err.status === 429 && state.data) { $("#loading").textContent = ""; coolDown(err.retryAfter || 30); return; }
      if (quiet && state.data) { scheduleRetry(state.data); return; }   // keep what is shown; try again later
      showFatal(err.message || I.t("fatal"));
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

  // Static text in the user's language (elements marked data-i18n / data-i18n-label).
  function applyStrings() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n]"), function (node) { node.textContent = I.t(node.getAttribute("data-i18n")); });
    Array.prototype.forEach.call(document.querySelectorAll("[data-i18n-label]"), function (node) { node.setAttribute("aria-label", I.t(node.getAttribute("data-i18n-label"))); });
  }

  function start() {
    applyStrings();
    initTabs();
    $("#loading").textContent = I.t("loading");
    $("#refresh").addEventListener("click", refresh);
    // keep the "as of" labels honest while the panel stays open
    setInterval(function () {
      if (!state.data) { return; }
      SECTIONS.forEach(function (k) { setSectionState(k, state.data.sections[k]); });
    }, 30000);
    ensureToken().then(function () {
      if (window.ErpPanelDeal) { window.ErpPanelDeal.start(api, function (deal) { state.deal = deal; renderGlance(); }); }
      if (accountId || !host().account) { return accountId; }
      return host().account(api).then(function (id) { accountId = id; });
    }).then(function () {
      if (!accountId) { throw new Error(I.t("no_account")); }
      if (state.firstPanel) {                   // already read with the session
        var first = state.firstPanel;
        state.firstPanel = null;
        render(first);
        $("#loading").textContent = "";
        $("#app").setAttribute("aria-busy", "false");
        return null;
      }
      return load(panelPath());
    }).catch(function (err) { showFatal(err.message); $("#app").setAttribute("aria-busy", "false"); });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
