import { describe, expect, test } from "vitest";
import { cardView, dealView, errorView, formatAge, retryDelaySeconds, sectionView } from "../cardView.js";
import { cardModel } from "./fixtures.js";

describe("formatAge", () => {
  test.each([
    [null, ""], [0, "just now"], [42, "42 s ago"], [125, "2 min ago"], [7200, "2 h ago"], [200000, "2 d ago"],
  ])("%s seconds -> %s", (seconds, text) => {
    expect(formatAge(seconds)).toBe(text);
  });
});

describe("cardView", () => {
  test("shows the four sections in order with state, tone and age", () => {
    const view = cardView(cardModel());
    expect(view.heading).toBe("Acme Corporation");
    expect(view.subtitle).toBe("ERP customer CUST-0002");
    expect(view.sections.map((s) => [s.key, s.label, s.tone, s.ageText])).toEqual([
      ["credit", "Live", "success", "Updated 42 s ago"],
      ["stock", "Stale", "warning", "Updated 2 h ago"],
      ["invoices", "Live", "success", "Updated 42 s ago"],
      ["pricing", "Unavailable", "danger", ""],
    ]);
    expect(view.canRefresh).toBe(true);
  });

  test("credit rows carry currency and hold status", () => {
    const credit = cardView(cardModel()).sections[0];
    expect(credit.rows[0]).toEqual({ label: "Status", value: "OK" });
    expect(credit.rows[1]).toEqual({ label: "Credit limit", value: "100000.00 USD" });
    const held = cardModel();
    Object.assign(held.panel.sections.credit.data, { on_hold: true, hold_note: "Unpaid since May" });
    expect(cardView(held).sections[0].rows[0].value).toBe("On hold (Unpaid since May)");
  });

  test("a section the viewer's role sees as badges shows the badges and no figures", () => {
    const model = cardModel();
    model.panel.sections.credit = { ...model.panel.sections.credit, data: null, visibility: "badges",
      message: "Only the badges of this section are shown for your CRM role.",
      badges: [{ code: "over_limit", label: "Over credit limit" }] };
    const credit = cardView(model).sections[0];
    expect(credit.rows).toEqual([{ label: "Status", value: "Over credit limit" }]);
    expect(credit.message).toBe("Only the badges of this section are shown for your CRM role.");
  });

  test("stale and unavailable sections explain themselves", () => {
    const [, stock, invoices, pricing] = cardView(cardModel()).sections;
    expect(stock.message).toBe("Showing the last good data: ERP down");
    expect(stock.rows).toEqual([{ label: "Widget (SKU-1001)", value: "8 pcs available" }]);
    expect(invoices.rows).toContainEqual({ label: "INV-1", value: "100.00 USD, 23 d overdue" });
    expect(pricing.rows).toEqual([]);
    expect(pricing.message).toBe("ERP data is unavailable right now");
  });

  test("a retrying section says so and tells the card when to load again", () => {
    const model = cardModel();
    Object.assign(model.panel.sections.pricing, { state: "retrying", retry_after_seconds: 4,
      message: "The ERP did not answer; trying again in a few seconds." });
    const view = cardView(model);
    expect(view.sections[3]).toMatchObject({ label: "Retrying", tone: "info",
      message: "The ERP did not answer; trying again in a few seconds." });
    expect(view.retryIn).toBe(4);
    expect(cardView(cardModel()).retryIn).toBe(null);
    expect([0, 1, 2, 3, 10].map((tries) => retryDelaySeconds(4, tries))).toEqual([4, 4, 8, 16, 60]);
  });

  test("truncated sections say how many rows exist", () => {
    const view = sectionView("stock", cardModel().panel.sections.stock, { stock: 60 });
    expect(view.more).toBe("Showing 25 of 60");
  });

  test("a deal without company shows the backend's sentence and no refresh", () => {
    const view = cardView(cardModel({ object_type: "deal", panel: null, reason: "no_company",
      message: "Associate a company with this deal to see its ERP data." }));
    expect(view.sections).toEqual([]);
    expect(view.notice.text).toBe("Associate a company with this deal to see its ERP data.");
    expect(view.canRefresh).toBe(false);
  });

  test("an unlinked company shows the not-linked sentence", () => {
    const model = cardModel();
    model.panel.linked = false;
    model.panel.sections.credit = { state: "not_linked", message: "This account is not linked to an ERP customer yet." };
    const view = cardView(model);
    expect(view.sections).toEqual([]);
    expect(view.notice.text).toMatch(/not linked/);
  });
});

describe("errorView", () => {
  test.each([
    [{ status: 403, reason: "not_installed" }, "warning", /not installed/],
    [{ status: 429, reason: "refresh_rate_limited" }, "info", /moments ago/],
    [{ status: 401, reason: "signature_mismatch" }, "danger", /could not verify/],
    [{ status: 0, reason: "network" }, "danger", /not reachable/],
  ])("%o", (error, tone, text) => {
    const view = errorView(error);
    expect(view.tone).toBe(tone);
    expect(view.text).toMatch(text);
  });
});

describe("dealView", () => {
  test("company records have no deal block", () => {
    expect(dealView(cardModel())).toBeNull();
  });

  test("a blocked deal lists its findings with tone and label", () => {
    const view = dealView(cardModel({ object_type: "deal", deal: { message: "", readiness: readiness() } }));
    expect([view.tone, view.label, view.summary]).toEqual(["danger", "Blocked", "Blocked: 1 problem must be fixed."]);
    expect(view.items.map((i) => [i.tone, i.label, i.text])).toEqual([
      ["danger", "Must fix", "Replace SKU-9999 with products the ERP knows (the sales rep)."],
      ["warning", "Check", "Only 2 of the 5 × SKU-1001 are available."],
    ]);
  });

  test("a deal the CRM does not know says so", () => {
    const view = dealView(cardModel({ object_type: "deal", deal: { readiness: null, message: "No such deal" } }));
    expect([view.label, view.summary, view.items]).toEqual(["", "No such deal", []]);
  });
});

function readiness() {
  return {
    crm_deal_id: "501", state: "blocked", summary: "Blocked: 1 problem must be fixed.", age_seconds: 3,
    items: [
      { severity: "blocker", reason: "unknown_sku", owner: "rep",
        message: "Replace SKU-9999 with products the ERP knows (the sales rep)." },
      { severity: "warning", reason: "insufficient_stock", owner: "rep", message: "Only 2 of the 5 × SKU-1001 are available." },
    ],
  };
}
