import React from "react";
import { describe, expect, test } from "vitest";
import { Alert, Button, StatusTag, Text } from "@hubspot/ui-extensions";
import { createRenderer } from "@hubspot/ui-extensions/testing";
import { ErpPanel } from "../ErpPanel.jsx";
import { BACKEND_URL } from "../backend.js";
import { cardModel, context, fakeFetch } from "./fixtures.js";

describe("ErpPanel (rendered with @hubspot/ui-extensions/testing)", () => {
  test("posts the record context to the card endpoint and renders four sections", async () => {
    const fetcher = fakeFetch({ status: 200, body: cardModel() });
    const { render, findAll, waitFor } = createRenderer("crm.record.tab");
    render(<ErpPanel context={context} fetcher={fetcher} />);
    await waitFor(() => expect(findAll(StatusTag)).toHaveLength(4));
    expect(fetcher.calls[0].url).toBe(`${BACKEND_URL}/api/v1/hubspot/card`);
    expect(fetcher.calls[0].options.method).toBe("POST");
    // only the record: HubSpot's proxy appends portalId/userId to the signed URL itself
    expect(fetcher.calls[0].options.body).toEqual({ objectTypeId: "0-2", objectId: 201 });
    expect(findAll(StatusTag).map((t) => [t.props.variant, t.text])).toEqual([
      ["success", "Live"], ["warning", "Stale"], ["success", "Live"], ["danger", "Unavailable"],
    ]);
    expect(findAll(Text).map((t) => t.text)).toContain("Updated 2 h ago");
  });

  test("refresh calls the refresh endpoint and shows the rate-limit sentence on 429", async () => {
    const fetcher = fakeFetch({ status: 200, body: cardModel() },
      { status: 429, body: { reason: "refresh_rate_limited", detail: "refreshed moments ago" } });
    const { render, find, findAll, waitFor } = createRenderer("crm.record.tab");
    render(<ErpPanel context={context} fetcher={fetcher} />);
    await waitFor(() => expect(findAll(Button)).toHaveLength(1));
    find(Button).trigger("onClick");
    await waitFor(() => expect(findAll(Alert)).toHaveLength(1));
    expect(fetcher.calls[1].url).toBe(`${BACKEND_URL}/api/v1/hubspot/card/refresh`);
    expect(find(Alert).text).toMatch(/moments ago/);
    expect(findAll(StatusTag)).toHaveLength(4);            // the cached card stays visible
  });

  test("a retrying section loads the card again by itself", async () => {
    const retrying = cardModel();
    Object.assign(retrying.panel.sections.pricing, { state: "retrying", retry_after_seconds: 0.01,
      message: "The ERP did not answer; trying again in a few seconds." });
    const fetcher = fakeFetch({ status: 200, body: retrying }, { status: 200, body: cardModel() });
    const { render, findAll, waitFor } = createRenderer("crm.record.tab");
    render(<ErpPanel context={context} fetcher={fetcher} retryBase={0.01} />);
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toContain("Retrying"));
    await waitFor(() => expect(findAll(StatusTag).map((t) => t.text)).toContain("Unavailable"));
    expect(fetcher.calls).toHaveLength(2);
    expect(fetcher.calls[1].url).toBe(`${BACKEND_URL}/api/v1/hubspot/card`);     // a plain load, not a refresh
  });

  test("not installed and network failures become a plain sentence", async () => {
    const fetcher = fakeFetch({ status: 403, body: { reason: "not_installed", detail: "not installed" } });
    const { render, find, waitFor, findAll } = createRenderer("crm.record.tab");
    render(<ErpPanel context={context} fetcher={fetcher} />);
    await waitFor(() => expect(findAll(Alert)).toHaveLength(1));
    expect(find(Alert).props.variant).toBe("warning");
    expect(findAll(Button)).toHaveLength(0);

    const offline = createRenderer("crm.record.tab");
    offline.render(<ErpPanel context={context} fetcher={fakeFetch(new Error("offline"))} />);
    await offline.waitFor(() => expect(offline.findAll(Alert)).toHaveLength(1));
    expect(offline.find(Alert).text).toMatch(/not reachable/);
  });
});

describe("ErpPanel on a deal record", () => {
  test("shows the deal's order readiness above the company's ERP data", async () => {
    const model = cardModel({ object_type: "deal", object_id: "501", deal: { message: "", readiness: {
      crm_deal_id: "501", state: "warnings", summary: "The order would be created, but 1 point deserves a look first.",
      age_seconds: 1, items: [{ severity: "warning", reason: "price_deviation", owner: "rep",
        message: "The price of SKU-1001 is 12.0 % below the customer's ERP price." }] } } });
    const fetcher = fakeFetch({ status: 200, body: model });
    const { render, findAll, waitFor } = createRenderer("crm.record.tab");
    render(<ErpPanel context={{ ...context, crm: { objectId: 501, objectTypeId: "0-3" } }} fetcher={fetcher} />);
    await waitFor(() => expect(findAll(StatusTag)).toHaveLength(6));
    expect(findAll(StatusTag).slice(0, 2).map((t) => t.text)).toEqual(["Check first", "Check"]);
    expect(findAll(Text).map((t) => t.text)).toContain("The order would be created, but 1 point deserves a look first.");
  });
});

describe("ErpPanel summary line", () => {
  test("shows the can-I-sell line above the deal and the deal's own lines", async () => {
    const model = cardModel({ object_type: "deal", object_id: "501", deal: { message: "", readiness: {
      crm_deal_id: "501", state: "ready", summary: "Ready.", age_seconds: 1, items: [], amount: "80.00", currency: "USD",
      lines: [{ sku: "SKU-1", name: "Bolt", quantity: "40", deal_price: "2.00", currency: "USD", available: "35",
        short: "5", customer_price: "2.00", customer_currency: "USD" }] } } });
    model.panel.glance = { verdict: "overdue", headline: "", on_hold: false, hold_reason: "", hold_note: "",
      hold_as_of: null, hold_last_known: false, over_limit: false, currency: "USD", credit_limit: "1000.00",
      balance: "900.00", available_credit: "100.00", overdue_count: 2, oldest_overdue_days: 40,
      overdue_total: "300.00", overdue_currency: "USD", unreachable_since: null };
    const fetcher = fakeFetch({ status: 200, body: model });
    const { render, findAll, waitFor } = createRenderer("crm.record.tab");
    render(<ErpPanel context={{ ...context, crm: { objectId: 501, objectTypeId: "0-3" } }} fetcher={fetcher} />);
    await waitFor(() => expect(findAll(StatusTag).length).toBeGreaterThan(4));
    const tags = findAll(StatusTag).map((t) => [t.props.variant, t.text]);
    expect(tags.slice(0, 3)).toEqual([["warning", "Overdue"], ["success", "Ready"], ["warning", "Short"]]);
    const texts = findAll(Text).map((t) => t.text);
    expect(texts).toContain("2 overdue (300.00 USD), oldest 40 days · 100.00 USD credit available — covers this deal (80.00 USD)");
    expect(texts.some((t) => t.includes("40 needed, 35 available: 5 short"))).toBe(true);
  });
});
