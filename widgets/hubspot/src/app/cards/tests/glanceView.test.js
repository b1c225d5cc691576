import { describe, expect, test } from "vitest";
import { cardView, dealView } from "../cardView.js";
import { dealLines, dealRoom, glanceView } from "../glanceView.js";
import { cardModel } from "./fixtures.js";

// panel.glance as the backend sends it (app/panel/glance.py)
function glance(extra = {}) {
  return { verdict: "ok", headline: "", on_hold: false, hold_reason: "", hold_note: "", hold_as_of: null,
    hold_last_known: false, over_limit: false, currency: "USD", credit_limit: "100000.00", balance: "2500.00",
    available_credit: "97500.00", overdue_count: 0, oldest_overdue_days: null, overdue_total: "0.00",
    overdue_currency: "", unreachable_since: null, ...extra };
}

function withGlance(extra) {
  const model = cardModel();
  model.panel.glance = glance(extra);
  return model;
}

describe("the summary line", () => {
  test("a good customer: good to sell with the credit room", () => {
    expect(cardView(withGlance()).glance).toEqual({ tone: "success", label: "Good to sell",
      text: "97500.00 USD credit available", outage: "" });
  });

  test("on hold: the hold note; overdue invoices with the oldest days", () => {
    const view = cardView(withGlance({ verdict: "on_hold", on_hold: true, hold_note: "Unpaid since May",
      overdue_count: 3, oldest_overdue_days: 45, overdue_total: "2100.00", overdue_currency: "CHF" })).glance;
    expect([view.tone, view.label]).toEqual(["danger", "On hold"]);
    expect(view.text).toBe("Unpaid since May · 3 overdue (2100.00 CHF), oldest 45 days");
  });

  test("the last known hold survives an outage past the stale limit, with its time and the outage", () => {
    const model = withGlance({ verdict: "on_hold", on_hold: true, hold_last_known: true,
      hold_as_of: "2026-11-23T14:02:00+00:00", unreachable_since: "2026-11-23T14:05:00+00:00",
      available_credit: null, credit_limit: null, currency: "" });
    model.panel.sections.credit = { ...model.panel.sections.credit, state: "unavailable", data: null,
      unreachable_since: "2026-11-23T14:05:00+00:00" };
    const view = cardView(model).glance;
    expect(view.label).toBe("On hold as of 2026-11-23 14:02 UTC");
    expect(view.outage).toBe("As of 2026-11-23 12:00 UTC · ERP unreachable since 2026-11-23 14:05 UTC");
  });

  test("over the limit says by how much; unknown credit says so", () => {
    expect(glanceView({ ...cardModel().panel, glance: glance({ verdict: "over_limit", over_limit: true,
      available_credit: "-200.00" }) }).text).toBe("Over the limit by 200.00 USD");
    expect(glanceView({ ...cardModel().panel, glance: glance({ verdict: "unknown", on_hold: null,
      available_credit: null }) })).toMatchObject({ tone: "default", text: "Credit status unknown right now" });
  });

  test("on a deal: whether the credit room covers the deal's amount", () => {
    const model = withGlance({ available_credit: "500.00" });
    model.object_type = "deal";
    model.deal = { message: "", readiness: { state: "ready", summary: "Ready", items: [], amount: "800.00",
      currency: "USD", lines: [] } };
    expect(cardView(model).glance.text).toBe("500.00 USD credit available — 300.00 USD short for this deal");
    expect(dealRoom(glance(), { amount: "10.00", currency: "USD" })).toBe("covers this deal (10.00 USD)");
    expect(dealRoom(glance(), { amount: "10.00", currency: "EUR" })).toBe("");
    expect(dealRoom(glance({ credit_limit: null }), { amount: "10.00", currency: "EUR" })).toBe("covers this deal (10.00 EUR)");
  });

  test("an account that is not linked has no line", () => {
    const model = cardModel();
    model.panel = { ...model.panel, linked: false, glance: null };
    expect(cardView(model).glance).toBeNull();
  });
});

describe("the deal's own lines", () => {
  test("quantities against the stock across warehouses, the deal price against the customer's", () => {
    const lines = dealLines({ lines: [
      { sku: "SKU-1", name: "Bolt", quantity: "40", deal_price: "1.20", currency: "EUR", available: "35", short: "5",
        customer_price: "1.25", customer_currency: "EUR" },
      { sku: "SKU-2", name: "", quantity: "2", deal_price: "9.00", currency: "EUR", available: "10", short: "0",
        customer_price: null, customer_currency: "" },
      { sku: "SKU-3", name: "Nut", quantity: "1", deal_price: "3.00", currency: "EUR", available: null, short: null,
        customer_price: null, customer_currency: "" },
    ] });
    expect(lines.map((l) => [l.tone, l.stockLabel, l.label, l.text])).toEqual([
      ["warning", "Short", "Bolt (SKU-1)", "40 needed, 35 available: 5 short · deal price 1.20 EUR, customer price 1.25 EUR"],
      ["success", "In stock", "SKU-2 (SKU-2)", "2 needed, 10 available · deal price 9.00 EUR, no customer price in the ERP"],
      ["default", "Unknown", "Nut (SKU-3)", "1 needed; stock not known · deal price 3.00 EUR, no customer price in the ERP"],
    ]);
    expect(dealView(cardModel({ deal: { message: "", readiness: { state: "ready", summary: "", items: [],
      lines: [] } } })).lines).toEqual([]);
  });
});
