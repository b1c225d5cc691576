"""Marshmallow schemas of the HubSpot endpoints (app card data, refresh, webhooks)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma

from app.panel.schema import PanelSchema


class _HubSpotId(ma.fields.String):
    """HubSpot ids arrive as numbers from ``context`` and as strings elsewhere; keep them as digits."""

    def _deserialize(self, value: Any, attr: str | None, data: Mapping[str, Any] | None, **kwargs: Any) -> str:
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            value = str(value)
        text = super()._deserialize(value, attr, data, **kwargs)
        if not text.isdigit() or len(text) > 20:
            raise ma.ValidationError("Must be a HubSpot numeric id")
        return text


class CardQuerySchema(ma.Schema):
    """What HubSpot's fetch proxy appends to the card's URL before signing it (``ProxyMetadata``).

    The card code cannot set these: HubSpot adds them server-side, and the v3 signature covers
    the whole URL with its query, so they name the portal (and user) the request really comes from.
    """

    class Meta:
        unknown = ma.INCLUDE

    portalId = _HubSpotId(required=True, metadata={"description": "the HubSpot account the card runs in"})
    userId = _HubSpotId(load_default=None, metadata={"description": "the HubSpot user viewing the card"})
    userEmail = ma.fields.String(load_default=None, validate=ma.validate.Length(max=320))
    appId = _HubSpotId(load_default=None, metadata={"description": "this app's id"})


class CardRequestSchema(ma.Schema):
    """What the app card posts with hubspot.fetch (covered by the v3 signature)."""

    portalId = _HubSpotId(load_default=None, metadata={
        "description": "Optional; when sent it must equal the portalId HubSpot appended to the URL"})
    objectTypeId = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=20),
                                    metadata={"description": "context.crm.objectTypeId: 0-2 company, 0-3 deal"})
    objectId = _HubSpotId(required=True, metadata={"description": "context.crm.objectId"})
    userId = _HubSpotId(load_default=None, allow_none=True, metadata={"description": "context.user.id"})


class CardSchema(ma.Schema):
    """The card model: the shared panel for the company (or the deal's company)."""

    object_type = ma.fields.String(required=True, metadata={"description": "company or deal"})
    object_id = ma.fields.String(required=True)
    company_id = ma.fields.String(allow_none=True)
    panel = ma.fields.Nested(PanelSchema, allow_none=True)
    message = ma.fields.String(metadata={"description": "Plain sentence when there is no panel"})
    reason = ma.fields.String(metadata={"description": "Reason code when there is no panel"})
    truncated = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                               metadata={"description": "Sections cut to 25 rows: section -> full row count"})


class WebhookEventSchema(ma.Schema):
    """One HubSpot webhook event. Nothing is required, no type is enforced and unknown keys are kept:
    a batch HubSpot considers valid must never be refused (a 4xx makes HubSpot retry, then drop it);
    the dealstage events are checked field by field in app.crm.hubspot.webhooks."""

    class Meta:
        unknown = ma.INCLUDE

    eventId = ma.fields.Raw(metadata={"description": "integer; not unique (HubSpot docs)"})
    subscriptionId = ma.fields.Raw(metadata={"description": "integer"})
    portalId = ma.fields.Raw(metadata={"description": "integer: the HubSpot account (hub id)"})
    appId = ma.fields.Raw(metadata={"description": "integer"})
    occurredAt = ma.fields.Raw(metadata={"description": "integer: epoch milliseconds"})
    subscriptionType = ma.fields.Raw(metadata={"description": "deal.propertyChange (or object.propertyChange)"})
    attemptNumber = ma.fields.Raw(metadata={"description": "integer"})
    objectId = ma.fields.Raw(metadata={"description": "integer: the deal id"})
    propertyName = ma.fields.Raw(metadata={"description": "dealstage"})
    propertyValue = ma.fields.Raw(metadata={"description": "the new stage id"})
    changeSource = ma.fields.Raw(metadata={"description": "CRM, API, ..."})


class WebhookResultSchema(ma.Schema):
    accepted = ma.fields.Integer(required=True, metadata={"description": "New won deals handed to the order intake"})
    duplicates = ma.fields.Integer(required=True)
    ignored = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                             metadata={"description": "Events not acted on, by reason"})
