// Pipedrive host hooks for the account widget (active only with ?crm=pipedrive).
// Inside a Pipedrive custom UI panel the page must initialise @pipedrive/app-extensions-sdk
// (served from our own origin, vendor/; loaded here, so no other host downloads it: its
// fingerprinted address is this script tag's data-src), and identity comes from the SDK's GET_SIGNED_TOKEN:
// an HS256 JWT with userId/companyId valid for 5 minutes, verified by our backend.
// https://github.com/pipedrive/app-extensions-sdk#get-signed-token
(function () {
  "use strict";
  var params = new URLSearchParams(window.location.search);
  if (params.get("crm") !== "pipedrive") { return; }
  var ready = null;
  var me = document.getElementById("pipedrive-host");
  var loaded = new Promise(function (resolve, reject) {
    var script = document.createElement("script");
    script.src = me.getAttribute("data-src");
    script.onload = resolve;
    script.onerror = function () { reject(new Error("The Pipedrive SDK did not load.")); };
    document.head.appendChild(script);
  });

  function sdk() {
    if (!ready) {
      ready = loaded.then(function () {
        if (typeof window.AppExtensionsSDK !== "function") { throw new Error("The Pipedrive SDK did not load."); }
        // The SDK reads the panel identifier from ?id=; our entry route passes it through unchanged.
        return new window.AppExtensionsSDK({ identifier: params.get("id") || undefined }).initialize();
      });
    }
    return ready;
  }

  window.ErpPanelHosts = window.ErpPanelHosts || {};
  window.ErpPanelHosts.pipedrive = {
    // A fresh Pipedrive-signed JWT each time the widget needs a new widget token.
    credential: function () {
      return sdk().then(function (s) { return s.execute("get_signed_token"); }).then(function (r) {
        if (!r || !r.token) { throw new Error("Pipedrive did not hand out a signed token. Reload the page."); }
        return r.token;
      });
    },
    // In a deal (or person) view, ask the backend which organization to show.
    account: function (api) {
      var resource = params.get("resource") || "";
      var record = params.get("record") || "";
      if (!record) { return Promise.resolve(""); }
      return api("GET", "/api/v1/pipedrive/records/" + encodeURIComponent(resource) + "/" +
                 encodeURIComponent(record) + "/account").then(function (body) {
        if (!body.crm_account_id) { throw new Error("This " + resource + " has no organization, so there is no ERP customer to show."); }
        return body.crm_account_id;
      });
    }
  };
})();
