// Pure rendering logic of the ERP app card: backend card model -> plain view description.
// The React component (ErpPanelCard.jsx) only maps this view onto @hubspot/ui-extensions
// components, so everything worth testing lives here.

import { dealLines, glanceView } from "./glanceView.js";

export const SECTION_ORDER = ["credit", "stock", "invoices", "pricing"];
const TITLES = { credit: "Credit", stock: "Stock", invoices: "Open invoices", pricing: "Customer prices" };
const LABELS = {
  ok: "Live", stale: "Stale", retrying: "Retrying", unavailable: "Unavailable", not_found: "Not in ERP",
  not_linked: "Not linked", error: "Error",
};
// StatusTag variants: danger | warning | info | success | default
const TONES = {
  ok: "success", stale: "warning", retrying: "info", unavailable: "danger", not_found: "warning",
  not_linked: "default", error: "danger",
};

export function formatAge(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.max(0, Math.round(seconds));
  if (s < 5) return "just now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

export function money(amount, currency) {
  if (amount === null || amount === undefined || amount === "") return "–";
  return currency ? `${amount} ${currency}` : String(amount);
}

function creditRows(c) {
  const status = c.on_hold ? `On hold${c.hold_note ? ` (${c.hold_note})` : ""}` : c.over_limit ? "Over limit" : "OK";
  return [
    { label: "Status", value: status },
    { label: "Credit limit", value: c.credit_limit === null ? "No limit" : money(c.credit_limit, c.currency) },
    { label: "Balance", value: money(c.balance, c.currency) },
    { label: "Overdue", value: money(c.overdue, c.currency) },
    { label: "Available", value: c.available_credit === null ? "–" : money(c.available_credit, c.currency) },
  ];
}

function stockRows(lines) {
  return lines.map((l) => ({ label: `${l.item_name} (${l.item_code})`, value: `${l.available} ${l.uom} available` }));
}

function invoiceRows(invoices, summary) {
  const rows = [];
  if (summary) {
    rows.push({ label: "Outstanding", value: `${money(summary.outstanding_total, summary.currency)} in ${summary.open_count}` });
    if (summary.overdue_count) {
      rows.push({ label: "Overdue", value: `${money(summary.overdue_total, summary.currency)} in ${summary.overdue_count}` });
    }
  }
  for (const i of invoices) {
    const due = i.is_overdue ? `${i.days_overdue} d overdue` : i.due_date ? `due ${i.due_date}` : "";
    rows.push({ label: i.number, value: [money(i.outstanding, i.currency), due].filter(Boolean).join(", ") });
  }
  return rows;
}

function pricingRows(prices) {
  return prices.map((p) => ({
    label: `${p.item_name} (${p.item_code})`,
    value: money(p.unit_price, p.currency) + (p.discount_percent && Number(p.discount_percent) ? ` (−${p.discount_percent} %)` : ""),
  }));
}

function rowsFor(key, section) {
  // role-based figures: a section shown as badges carries no data, only facts such as "Over credit limit"
  if ((section.visibility || "full") === "badges") {
    return (section.badges || []).map((b) => ({ label: "Status", value: b.label }));
  }
  const data = section.data;
  if (data === null || data === undefined) return [];
  if (key === "credit") return creditRows(data);
  if (key === "stock") return stockRows(data);
  if (key === "invoices") return invoiceRows(data, section.summary);
  return pricingRows(data);
}

export function sectionView(key, section, truncated = {}) {
  const state = section.state;
  const age = formatAge(section.age_seconds);
  return {
    key,
    title: TITLES[key],
    state,
    label: LABELS[state] || state,
    tone: TONES[state] || "default",
    ageText: age ? `Updated ${age}` : "",
    message: state === "ok" && (section.visibility || "full") === "full" ? "" : section.message || "",
    rows: rowsFor(key, section),
    more: truncated[key] ? `Showing 25 of ${truncated[key]}` : "",
  };
}

// Seconds after which the backend asks the ERP again for a "retrying" section (null: nothing to retry).
export function retryIn(panel) {
  const hints = SECTION_ORDER.map((key) => panel.sections[key])
    .filter((section) => section && section.state === "retrying")
    .map((section) => Number(section.retry_after_seconds) || 2);
  return hints.length ? Math.min(...hints) : null;
}

// When to load the card again by itself: the backend's hint, growing 2 s, 4 s, 8 s ... per try, at most 60 s.
export function retryDelaySeconds(hint, tries, base = 2) {
  return Math.min(60, Math.max(hint, base * 2 ** tries));
}

export function cardView(model) {
  const panel = model.panel;
  if (!panel) {
    return { glance: null, heading: "ERP", subtitle: "", notice: { tone: "info", text: model.message || "No ERP data for this record." },
      sections: [], canRefresh: false, retryIn: null };
  }
  const readiness = model.deal && model.deal.readiness;
  const deal = readiness && readiness.amount !== null && readiness.amount !== undefined
    ? { amount: readiness.amount, currency: readiness.currency } : null;
  return {
    glance: panel.linked ? glanceView(panel, deal) : null,
    heading: panel.customer_name || "ERP",
    subtitle: panel.erp_customer_id ? `ERP customer ${panel.erp_customer_id}` : "",
    notice: panel.linked ? null : { tone: "info", text: panel.sections.credit.message },
    sections: panel.linked ? SECTION_ORDER.map((key) => sectionView(key, panel.sections[key], model.truncated)) : [],
    canRefresh: panel.linked,
    retryIn: panel.linked ? retryIn(panel) : null,
  };
}

// What to show when the backend call failed (hubspot.fetch error or problem+json answer).
export function errorView(error) {
  if (error.status === 403 && error.reason === "not_installed") {
    return { tone: "warning", text: "erp-panel is not installed for this HubSpot account. Ask an admin to install it." };
  }
  if (error.status === 429) {
    return { tone: "info", text: "The ERP data was refreshed moments ago; try again in a little while." };
  }
  if (error.status === 401) {
    return { tone: "danger", text: "erp-panel could not verify this request from HubSpot. Ask an admin to check the app settings." };
  }
  return { tone: "danger", text: "erp-panel is not reachable right now. Try again shortly." };
}

// The deal's order readiness (model.deal on deal records): tone and label of the verdict, one row per finding.
const READINESS = {
  ready: ["success", "Ready"], warnings: ["warning", "Check first"], blocked: ["danger", "Blocked"],
  could_not_check: ["default", "Not checked"],
};
const FINDINGS = { blocker: ["danger", "Must fix"], warning: ["warning", "Check"], unchecked: ["default", "Not checked"] };

export function dealView(model) {
  const deal = model.deal;
  if (!deal) return null;
  const readiness = deal.readiness;
  if (!readiness) {
    return { title: "Order readiness", tone: "default", label: "", summary: deal.message || "", items: [], lines: [] };
  }
  const [tone, label] = READINESS[readiness.state] || ["default", readiness.state];
  return {
    title: "Order readiness", tone, label, summary: readiness.summary,
    items: readiness.items.map((item, index) => {
      const [itemTone, itemLabel] = FINDINGS[item.severity] || ["default", item.severity];
      return { key: `${item.reason}-${index}`, tone: itemTone, label: itemLabel, text: item.message };
    }),
    lines: dealLines(readiness),
  };
}
