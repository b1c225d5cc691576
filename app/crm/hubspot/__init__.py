"""HubSpot integration: OAuth install, app-card data, won-deal webhooks and deal write-back.

Contracts follow HubSpot's developer documentation (https://developers.hubspot.com/docs). Classic
JSON CRM cards are retired so the panel is an app card (widgets/hubspot/) calling our backend
with ``hubspot.fetch``; every HubSpot-facing endpoint verifies the v3 request signature.
"""
