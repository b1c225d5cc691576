// The card's "can I sell?" line and the deal's own lines: backend panel.glance and deal readiness -> plain view
// descriptions (ErpPanel.jsx maps them onto @hubspot/ui-extensions components). Same facts and order as the
// widget's line (widgets/account-panel/glance.js): the verdict, the hold note, overdue invoices, the credit room.
import { money } from "./cardView.js";

// StatusTag variants: danger | warning | info | success | default
const VERDICTS = {
  on_hold: ["danger", "On hold"], over_limit: ["danger", "Over limit"], overdue: ["warning", "Overdue"],
  ok: ["success", "Good to sell"], unknown: ["default", "Credit unknown"],
};

function clock(iso) {
  return iso ? iso.replace("T", " ").slice(0, 16) + " UTC" : "";
}

// Whether the available credit covers the deal's amount: "covers this deal (...)", "... short for this deal", "".
export function dealRoom(glance, deal) {
  if (!deal || deal.amount === null || deal.amount === undefined) return "";
  if (glance.credit_limit === null) return `covers this deal (${money(deal.amount, deal.currency)})`;
  if (glance.available_credit === null || (deal.currency && glance.currency && deal.currency !== glance.currency)) return "";
  const short = Number(deal.amount) - Number(glance.available_credit);
  return short <= 0 ? `covers this deal (${money(deal.amount, deal.currency)})`
    : `${money(short.toFixed(2), deal.currency)} short for this deal`;
}

function outage(panel) {
  let since = panel.glance.unreachable_since;
  let asOf = null;
  for (const section of Object.values(panel.sections)) {
    if (section.unreachable_since && (!since || section.unreachable_since < since)) since = section.unreachable_since;
    if (section.stale && section.as_of && (!asOf || section.as_of < asOf)) asOf = section.as_of;
  }
  if (!since) return "";
  return asOf ? `As of ${clock(asOf)} · ERP unreachable since ${clock(since)}` : `ERP unreachable since ${clock(since)}`;
}

// ``deal``: {amount, currency} of the deal the card is on (its readiness), or null on a company.
export function glanceView(panel, deal = null) {
  const g = panel && panel.glance;
  if (!g) return null;
  const [tone, verdict] = VERDICTS[g.verdict] || VERDICTS.unknown;
  const label = g.verdict === "on_hold" && g.hold_last_known && g.hold_as_of ? `On hold as of ${clock(g.hold_as_of)}` : verdict;
  const facts = [];
  if (g.verdict === "on_hold") {
    const note = g.hold_note || (g.hold_reason || "").replace(/_/g, " ");
    if (note) facts.push(note);
  } else if (g.verdict === "over_limit") {
    facts.push(`Over the limit by ${money((-Number(g.available_credit)).toFixed(2), g.currency)}`);
  } else if (g.on_hold === null) {
    facts.push("Credit status unknown right now");
  }
  if (g.overdue_count) {
    const amount = g.overdue_currency ? money(g.overdue_total, g.overdue_currency) : "mixed currencies";
    facts.push(`${g.overdue_count} overdue (${amount}), oldest ${g.oldest_overdue_days} days`);
  }
  if (g.verdict !== "on_hold" && g.verdict !== "over_limit" && g.on_hold !== null) {
    const room = g.credit_limit === null ? "No credit limit" : `${money(g.available_credit, g.currency)} credit available`;
    const covers = dealRoom(g, deal);
    facts.push(covers ? `${room} — ${covers}` : room);
  }
  return { tone, label, text: facts.join(" · "), outage: outage(panel) };
}

// The deal's own lines: "40 needed, 35 available: 5 short" and the deal's price against the customer's.
export function dealLines(readiness) {
  if (!readiness || !readiness.lines) return [];
  return readiness.lines.map((line, index) => {
    let stock;
    let tone = "success";
    if (line.available === null) {
      stock = `${line.quantity} needed; stock not known`;
      tone = "default";
    } else if (Number(line.short) > 0) {
      stock = `${line.quantity} needed, ${line.available} available: ${line.short} short`;
      tone = "warning";
    } else {
      stock = `${line.quantity} needed, ${line.available} available`;
    }
    const price = line.customer_price === null ? "no customer price in the ERP"
      : `customer price ${money(line.customer_price, line.customer_currency || line.currency)}`;
    return {
      key: `${line.sku}-${index}`, label: `${line.name || line.sku} (${line.sku})`, tone,
      stockLabel: tone === "warning" ? "Short" : tone === "success" ? "In stock" : "Unknown",
      text: `${stock} · deal price ${money(line.deal_price, line.currency)}, ${price}`,
    };
  });
}
