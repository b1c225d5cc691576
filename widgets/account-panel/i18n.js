// erp-panel widget strings and formats: English and German, numbers, currencies and dates from the CRM
// user's locale (?locale=, else the browser's) through the browser's Intl. window.ErpPanelI18n.
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  var locale = params.get("locale") || (navigator.languages && navigator.languages[0]) || navigator.language || "en";
  try { locale = Intl.getCanonicalLocales(locale)[0]; } catch (e) { locale = "en"; }
  var lang = locale.slice(0, 2).toLowerCase() === "de" ? "de" : "en";

  var STRINGS = {
    en: {
      loading: "Loading ERP data…", refreshing: "Refreshing from the ERP…", refresh: "Refresh",
      refresh_note: "Fetches fresh figures from the ERP for this account.",
      updated: "Updated.", refresh_fell_back: "The ERP did not answer; showing the figures as of {time}.",
      refresh_again_in: "Refreshed moments ago; you can refresh again in {s} s.",
      refresh_ready: "You can refresh again now.",
      not_linked: "Not linked to ERP", erp_customer: "ERP customer {id}",
      tabs: "ERP data", tab_credit: "Credit", tab_stock: "Stock", tab_invoices: "Invoices", tab_pricing: "Pricing",
      glance: "Can I sell?", v_on_hold: "On hold", v_over_limit: "Over limit", v_overdue: "Overdue",
      v_ok: "Good to sell", v_unknown: "Credit unknown",
      on_hold_as_of: "On hold as of {time}", over_by: "Over the limit by {amount}",
      overdue_line: "{n} overdue ({amount}), oldest {days} days", overdue_one: "1 overdue ({amount}), {days} days",
      available: "{amount} credit available", no_limit: "No credit limit", credit_unknown: "Credit status unknown right now",
      covers_deal: "covers this deal ({amount})", short_for_deal: "{amount} short for this deal",
      as_of_unreachable: "As of {time} · ERP unreachable since {since}", unreachable_since: "ERP unreachable since {since}",
      as_of: "As of {ago}", stale: "stale", just_now: "just now", min_ago: "{n} min ago", h_ago: "{n} h ago",
      days_ago: "{n} days ago", stale_notice: "The ERP is not answering; some figures are older than usual. The panel keeps trying.",
      status: "Status", st_on_hold: "On hold", st_over_limit: "Over limit", st_overdue: "Overdue balance", st_ok: "OK",
      credit_limit: "Credit limit", balance: "Balance", available_label: "Available", overdue: "Overdue",
      none: "None", mixed: "mixed currencies", over_limit_note: "over limit",
      credit_use: "Credit used: {used} of {limit} ({pct} %)", credit_use_short: "{pct} % of the limit used",
      aging: "Invoice aging", aging_current: "Not yet due", aging_1: "1–30 days", aging_31: "31–60 days",
      aging_61: "61–90 days", aging_90: "90+ days",
      open_invoices: "Open invoices", outstanding: "Outstanding", invoice: "Invoice", due: "Due {date}",
      inv_status: "Status", overdue_days: "Overdue {n} d", no_invoices: "No open invoices.",
      overdue_count_label: "{n} open, {late} overdue", open_count_label: "{n} open",
      find_item: "Find an item (code or name)", item: "Item", avail_col: "Available", no_stock: "No stock records for these items.",
      no_match: "No item matches “{q}”.", in_stock: "In stock", out_of_stock: "None available",
      warehouses: "{n} warehouses", wh_line: "{wh}: {avail} available ({onhand} on hand, {reserved} reserved)",
      price_list: "Price list: {name}", your_price: "Your price", list_price: "List", no_prices: "No customer prices.",
      discount: "−{pct} %", no_data: "No data.", fatal: "Something went wrong loading ERP data.",
      no_session: "This panel was opened without a CRM session. Open it from the CRM.",
      session_expired: "Session expired. Reload the page.", no_account: "The CRM did not say which account is open.",
      open_in_erp: "Open in the ERP",
      readiness: "Order readiness", r_ready: "Ready", r_warnings: "Check first", r_blocked: "Blocked",
      r_could_not_check: "Not checked", sev_blocker: "Must fix", sev_warning: "Check", sev_unchecked: "Not checked",
      fixed_by: "Fixed by: {who}.", o_rep: "sales rep", o_admin: "admin", o_finance: "finance",
      checking_deal: "Checking this deal…", deal_failed: "The deal could not be checked.",
      deal_lines: "This deal's lines", line_enough: "{need} needed, {have} available",
      line_short: "{need} needed, {have} available: {short} short", line_no_stock: "{need} needed; stock not known",
      deal_price: "Deal price {price}", customer_price: "customer price {price}", no_customer_price: "no customer price in the ERP",
      price_diff: "{pct} % vs customer price", deal_total: "Deal total {amount}"
    },
    de: {
      loading: "ERP-Daten werden geladen…", refreshing: "Wird aus dem ERP aktualisiert…", refresh: "Aktualisieren",
      refresh_note: "Holt aktuelle Zahlen für diesen Kunden aus dem ERP.",
      updated: "Aktualisiert.", refresh_fell_back: "Das ERP hat nicht geantwortet; angezeigt wird der Stand von {time}.",
      refresh_again_in: "Eben erst aktualisiert; erneut möglich in {s} s.",
      refresh_ready: "Sie können jetzt wieder aktualisieren.",
      not_linked: "Nicht mit dem ERP verknüpft", erp_customer: "ERP-Kunde {id}",
      tabs: "ERP-Daten", tab_credit: "Kredit", tab_stock: "Bestand", tab_invoices: "Rechnungen", tab_pricing: "Preise",
      glance: "Kann ich verkaufen?", v_on_hold: "Gesperrt", v_over_limit: "Über Limit", v_overdue: "Überfällig",
      v_ok: "Verkauf möglich", v_unknown: "Kredit unbekannt",
      on_hold_as_of: "Gesperrt (Stand {time})", over_by: "Limit um {amount} überschritten",
      overdue_line: "{n} überfällig ({amount}), älteste {days} Tage", overdue_one: "1 überfällig ({amount}), {days} Tage",
      available: "{amount} Kredit verfügbar", no_limit: "Kein Kreditlimit", credit_unknown: "Kreditstatus derzeit unbekannt",
      covers_deal: "deckt diesen Deal ({amount})", short_for_deal: "{amount} fehlen für diesen Deal",
      as_of_unreachable: "Stand {time} · ERP nicht erreichbar seit {since}", unreachable_since: "ERP nicht erreichbar seit {since}",
      as_of: "Stand {ago}", stale: "veraltet", just_now: "gerade eben", min_ago: "vor {n} Min.", h_ago: "vor {n} Std.",
      days_ago: "vor {n} Tagen", stale_notice: "Das ERP antwortet nicht; einige Zahlen sind älter als üblich. Das Panel versucht es weiter.",
      status: "Status", st_on_hold: "Gesperrt", st_over_limit: "Über Limit", st_overdue: "Überfälliger Saldo", st_ok: "OK",
      credit_limit: "Kreditlimit", balance: "Saldo", available_label: "Verfügbar", overdue: "Überfällig",
      none: "Keine", mixed: "gemischte Währungen", over_limit_note: "über Limit",
      credit_use: "Kredit genutzt: {used} von {limit} ({pct} %)", credit_use_short: "{pct} % des Limits genutzt",
      aging: "Altersstruktur der Rechnungen", aging_current: "Noch nicht fällig", aging_1: "1–30 Tage",
      aging_31: "31–60 Tage", aging_61: "61–90 Tage", aging_90: "über 90 Tage",
      open_invoices: "Offene Rechnungen", outstanding: "Offen", invoice: "Rechnung", due: "Fällig {date}",
      inv_status: "Status", overdue_days: "{n} T. überfällig", no_invoices: "Keine offenen Rechnungen.",
      overdue_count_label: "{n} offen, {late} überfällig", open_count_label: "{n} offen",
      find_item: "Artikel suchen (Nummer oder Name)", item: "Artikel", avail_col: "Verfügbar",
      no_stock: "Keine Bestände für diese Artikel.", no_match: "Kein Artikel passt zu „{q}“.",
      in_stock: "Auf Lager", out_of_stock: "Nichts verfügbar", warehouses: "{n} Lager",
      wh_line: "{wh}: {avail} verfügbar ({onhand} am Lager, {reserved} reserviert)",
      price_list: "Preisliste: {name}", your_price: "Ihr Preis", list_price: "Liste", no_prices: "Keine Kundenpreise.",
      discount: "−{pct} %", no_data: "Keine Daten.", fatal: "Beim Laden der ERP-Daten ist etwas schiefgegangen.",
      no_session: "Dieses Panel wurde ohne CRM-Sitzung geöffnet. Öffnen Sie es aus dem CRM.",
      session_expired: "Sitzung abgelaufen. Laden Sie die Seite neu.",
      no_account: "Das CRM hat nicht gesagt, welcher Kunde geöffnet ist.", open_in_erp: "Im ERP öffnen",
      readiness: "Auftragsbereitschaft", r_ready: "Bereit", r_warnings: "Erst prüfen", r_blocked: "Blockiert",
      r_could_not_check: "Nicht geprüft", sev_blocker: "Muss behoben werden", sev_warning: "Prüfen",
      sev_unchecked: "Nicht geprüft", fixed_by: "Zuständig: {who}.", o_rep: "Vertrieb", o_admin: "Admin",
      o_finance: "Buchhaltung", checking_deal: "Deal wird geprüft…", deal_failed: "Der Deal konnte nicht geprüft werden.",
      deal_lines: "Positionen dieses Deals", line_enough: "{need} benötigt, {have} verfügbar",
      line_short: "{need} benötigt, {have} verfügbar: {short} fehlen", line_no_stock: "{need} benötigt; Bestand unbekannt",
      deal_price: "Deal-Preis {price}", customer_price: "Kundenpreis {price}", no_customer_price: "kein Kundenpreis im ERP",
      price_diff: "{pct} % zum Kundenpreis", deal_total: "Deal-Summe {amount}"
    }
  };

  function t(key, vars) {
    var text = STRINGS[lang][key] || STRINGS.en[key] || key;
    return text.replace(/\{(\w+)\}/g, function (m, name) { return vars && vars[name] !== undefined ? String(vars[name]) : m; });
  }
  // Intl formatters are costly to build and a panel formats hundreds of figures: one per kind, kept.
  var formats = {};
  function format(key, make) { return formats[key] || (formats[key] = make()); }
  function money(value, currency) {
    if (value === null || value === undefined || value === "") { return "—"; }
    var n = Number(value);
    try {
      return format("c:" + (currency || "EUR"), function () {
        return new Intl.NumberFormat(locale, { style: "currency", currency: currency || "EUR" });
      }).format(n);
    } catch (e) { return n.toFixed(2) + " " + (currency || ""); }
  }
  function number(value, digits) {
    var max = digits === undefined ? 3 : digits;
    return format("n:" + max, function () { return new Intl.NumberFormat(locale, { maximumFractionDigits: max }); })
      .format(Number(value));
  }
  function day(iso) {
    if (!iso) { return "—"; }
    var d = new Date(iso + "T00:00:00");
    return isNaN(d) ? iso : format("d", function () { return new Intl.DateTimeFormat(locale, { dateStyle: "medium" }); }).format(d);
  }
  // A moment as "14:02" today, "28 Nov, 14:02" on another day (the user's time zone).
  function time(iso) {
    if (!iso) { return ""; }
    var d = new Date(iso);
    if (isNaN(d)) { return ""; }
    var today = new Date().toDateString() === d.toDateString();
    return format(today ? "t" : "dt", function () {
      return new Intl.DateTimeFormat(locale, today ? { hour: "2-digit", minute: "2-digit" }
        : { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
    }).format(d);
  }
  function ago(seconds) {
    if (seconds === null || seconds === undefined) { return ""; }
    var s = Math.max(0, Math.round(seconds));
    if (s < 45) { return t("just_now"); }
    var m = Math.round(s / 60);
    if (m < 60) { return t("min_ago", { n: m }); }
    var h = Math.round(m / 60);
    if (h < 48) { return t("h_ago", { n: h }); }
    return t("days_ago", { n: Math.round(h / 24) });
  }

  document.documentElement.lang = lang;
  window.ErpPanelI18n = { t: t, money: money, number: number, day: day, time: time, ago: ago, locale: locale, lang: lang };
})();
