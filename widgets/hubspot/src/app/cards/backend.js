// Where the erp-panel backend lives. Must match permittedUrls.fetch in ../app-hsmeta.json
// (HTTPS, not localhost). Replace both when deploying (README "Install in HubSpot").
export const BACKEND_URL = "https://erp-panel.example.com";

// hubspot.fetch cannot send custom headers, so identity travels as HubSpot's v3 request
// signature. HubSpot's fetch proxy appends portalId, userId, userEmail and appId to the URL
// before signing it (ProxyMetadata in @hubspot/ui-extensions), and the backend takes the account
// from there; this code never names the portal or the user. The body only says which record.
// https://developers.hubspot.com/docs/apps/developer-platform/add-features/ui-extensibility/fetching-data
export function cardRequestBody(context) {
  return {
    objectTypeId: String(context.crm.objectTypeId),
    objectId: context.crm.objectId,
  };
}

// Loads the card model; resolves to {model} or {error: {status, reason, message}}.
export async function loadCard(fetcher, context, { refresh = false } = {}) {
  const path = refresh ? "/api/v1/hubspot/card/refresh" : "/api/v1/hubspot/card";
  try {
    const response = await fetcher(BACKEND_URL + path, {
      method: "POST",
      timeout: 14000,
      body: cardRequestBody(context),
    });
    const data = await response.json();
    if (!response.ok) {
      return { error: { status: response.status, reason: data.reason || "", message: data.detail || "" } };
    }
    return { model: data };
  } catch (err) {
    return { error: { status: 0, reason: "network", message: "" } };
  }
}
