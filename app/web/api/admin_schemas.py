"""Marshmallow schemas of the admin API (also its OpenAPI documentation)."""
from __future__ import annotations

import marshmallow as ma

_TEXT = ma.fields.String


class TenantQuerySchema(ma.Schema):
    tenant_id = _TEXT(load_default=None, metadata={
        "description": "Operator token only: the installation to act on. An admin session acts on its own "
                       "installation and may omit this (naming another one is refused)."})


class TenantSettingsSchema(ma.Schema):
    """Order behaviour an admin can change; PUT accepts any subset."""

    credit_hold_policy = _TEXT(metadata={"description": "block | create_and_flag"})
    shadow_mode = ma.fields.Boolean(metadata={"description": "Run the order flow without writing anywhere"})
    status_translations = ma.fields.Dict(keys=_TEXT(), values=_TEXT(), metadata={
        "description": "Canonical order status -> text written to the CRM deal (PUT merges)"})
    field_mapping = ma.fields.Dict(keys=_TEXT(), values=_TEXT(), metadata={
        "description": "Canonical order field -> CRM deal field key (PUT replaces the whole mapping)"})
    stock_items = ma.fields.List(_TEXT(), metadata={"description": "Item codes shown in the stock section"})
    default_warehouse = _TEXT()
    price_tolerance_percent = _TEXT(metadata={
        "description": "Order readiness: percent a deal line's price may differ from the customer's ERP price "
                       "(0-100, default 2)"})
    status_poll_minutes = _TEXT(metadata={
        "description": "Order status after creation: minutes between polls of the ERP for open orders (1-1440, "
                       "default 5; doubles while nothing changes)"})


class SettingsResponseSchema(TenantSettingsSchema):
    tenant_id = _TEXT(required=True)
    allowed_mapping_fields = ma.fields.Dict(keys=_TEXT(), values=_TEXT(), dump_only=True)
    credit_hold_policies = ma.fields.List(_TEXT(), dump_only=True)


class SettingFieldSchema(ma.Schema):
    name = _TEXT(required=True)
    label = _TEXT()
    secret = ma.fields.Boolean()
    required = ma.fields.Boolean()
    help = _TEXT()
    default = _TEXT()
    multiline = ma.fields.Boolean()


class ConnectorSchema(ma.Schema):
    """An available ERP connector and the settings it takes."""

    name = _TEXT(required=True)
    label = _TEXT()
    # "fields" on the wire; the attribute has another name because Schema.fields is marshmallow's own
    setting_fields = ma.fields.List(ma.fields.Nested(SettingFieldSchema), data_key="fields", attribute="fields")
    permissions_help = _TEXT()


class ConnectorListSchema(ma.Schema):
    connectors = ma.fields.List(ma.fields.Nested(ConnectorSchema), required=True)


class ConnectionRequestSchema(ma.Schema):
    connector = _TEXT(required=True, validate=ma.validate.Length(max=30),
                      metadata={"description": "A connector from GET .../erp-connection 'available'"})
    values = ma.fields.Dict(keys=_TEXT(), values=_TEXT(), load_default=dict, metadata={
        "description": "Setting name -> value (secrets included). A secret left out or blank keeps the "
                       "stored one when the connector is unchanged; other settings left out take their "
                       "default (the PUT replaces the whole connection)."})


class ConnectionTestRequestSchema(ma.Schema):
    connector = _TEXT(load_default=None, validate=ma.validate.Length(max=30),
                      metadata={"description": "Defaults to the stored connector"})
    values = ma.fields.Dict(keys=_TEXT(), values=_TEXT(), load_default=dict)


class ConnectionSchema(ma.Schema):
    """The stored connection; secret values are write-only (only which ones are set)."""

    tenant_id = _TEXT(required=True)
    connector = _TEXT(allow_none=True)
    label = _TEXT(allow_none=True)
    config = ma.fields.Dict(keys=_TEXT(), values=_TEXT())
    secrets_set = ma.fields.List(_TEXT())
    # "fields" on the wire; the attribute has another name because Schema.fields is marshmallow's own
    setting_fields = ma.fields.List(ma.fields.Nested(SettingFieldSchema), data_key="fields", attribute="fields")
    permissions_help = _TEXT()
    available = ma.fields.List(_TEXT())


class ConnectionCheckSchema(ma.Schema):
    ok = ma.fields.Boolean(required=True)
    reason = _TEXT(required=True)
    message = _TEXT(required=True)
    sentence = _TEXT(metadata={"description": "The result as a plain sentence for people"})
    details = ma.fields.Dict(keys=_TEXT(), values=_TEXT())


class AccountLinkSchema(ma.Schema):
    crm_account_id = _TEXT(required=True)
    erp_customer_id = _TEXT(required=True)
    erp_customer_name = _TEXT(metadata={"description": "The customer's name in the ERP (empty when it is gone or "
                                                      "the ERP could not be asked)"})
    state = _TEXT(metadata={"description": "ok, disabled (the ERP refuses orders for it), gone (the ERP no longer "
                                           "knows the id) or unchecked (the ERP did not answer)"})
    duplicate = ma.fields.Boolean(metadata={"description": "Another CRM account links to the same customer"})
    message = _TEXT(metadata={"description": "What to do about this link, in a sentence (empty when fine)"})


class AccountLinkRequestSchema(ma.Schema):
    erp_customer_id = _TEXT(required=True)


class AccountLinksSchema(ma.Schema):
    links = ma.fields.List(ma.fields.Nested(AccountLinkSchema), required=True)
    message = _TEXT(metadata={"description": "Why the links could not be checked against the ERP (empty when "
                                             "they were)"})
