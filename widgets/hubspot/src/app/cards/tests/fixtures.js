// A card model as the backend's POST /api/v1/hubspot/card returns it (see app/web/hubspot_schemas.py).
export function cardModel(overrides = {}) {
  const meta = (extra = {}) => ({ state: "ok", stale: false, as_of: "2026-11-23T12:00:00+00:00", age_seconds: 42,
    source: "sandbox", reason: "", message: "", ...extra });
  return {
    object_type: "company", object_id: "201", company_id: "201", message: "", reason: "", truncated: {},
    panel: {
      crm_account_id: "201", erp_customer_id: "CUST-0002", customer_name: "Acme Corporation", linked: true,
      generated_at: "2026-11-23T12:00:42+00:00",
      sections: {
        credit: meta({ data: { customer_id: "CUST-0002", customer_name: "Acme Corporation", currency: "USD",
          credit_limit: "100000.00", balance: "2500.00", overdue: "0.00", available_credit: "97500.00",
          on_hold: false, over_limit: false, hold_reason: "none", hold_note: "" } }),
        stock: meta({ age_seconds: 7200, state: "stale", stale: true, message: "Showing the last good data: ERP down",
          data: [{ item_code: "SKU-1001", item_name: "Widget", warehouse: "Main", on_hand: "10", reserved: "2",
            available: "8", uom: "pcs" }] }),
        invoices: meta({ data: [{ number: "INV-1", issue_date: "2026-10-01", due_date: "2026-10-31", currency: "USD",
          total: "100.00", outstanding: "100.00", status: "open", status_raw: "Unpaid", is_overdue: true,
          days_overdue: 23 }],
          summary: { open_count: 1, overdue_count: 1, outstanding_total: "100.00", overdue_total: "100.00", currency: "USD" } }),
        pricing: meta({ state: "unavailable", age_seconds: null, as_of: null, message: "ERP data is unavailable right now",
          data: null }),
      },
    },
    ...overrides,
  };
}

export const context = { portal: { id: 62515 }, crm: { objectId: 201, objectTypeId: "0-2" }, user: { id: 7 } };

// A stand-in for hubspot.fetch: records calls, answers with queued {status, body} replies.
export function fakeFetch(...replies) {
  const calls = [];
  const fetcher = async (url, options) => {
    calls.push({ url, options });
    const reply = replies.length > 1 ? replies.shift() : replies[0];
    if (reply instanceof Error) throw reply;
    return { ok: reply.status < 300, status: reply.status, json: async () => reply.body };
  };
  fetcher.calls = calls;
  return fetcher;
}
