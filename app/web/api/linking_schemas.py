"""Marshmallow schemas of the account-linking admin API (also its OpenAPI documentation)."""
from __future__ import annotations

import marshmallow as ma

_TEXT = ma.fields.String


class CustomerSearchQuerySchema(ma.Schema):
    name = _TEXT(load_default="", validate=ma.validate.Length(max=200), metadata={
        "description": "Company name, matched fuzzily (case, accents and ä/ae spellings ignored)"})
    tax_id = _TEXT(load_default="", validate=ma.validate.Length(max=60), metadata={
        "description": "Tax id / VAT number; spaces and punctuation ignored"})
    email_domain = _TEXT(load_default="", validate=ma.validate.Length(max=200), metadata={
        "description": "E-mail domain, an e-mail address or a web address"})
    phone = _TEXT(load_default="", validate=ma.validate.Length(max=60), metadata={
        "description": "Phone number; compared on its last 8 digits"})
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=20))


class ERPCustomerSchema(ma.Schema):
    customer_id = _TEXT(required=True, metadata={"description": "The id an account link holds"})
    name = _TEXT(required=True)
    disabled = ma.fields.Boolean(required=True)
    tax_id = _TEXT()
    email = _TEXT()
    phone = _TEXT()
    address = _TEXT()
    city = _TEXT()
    postal_code = _TEXT()
    country = _TEXT()
    currency = _TEXT()


class CustomerMatchSchema(ma.Schema):
    customer = ma.fields.Nested(ERPCustomerSchema, required=True)
    score = ma.fields.Integer(required=True, metadata={"description": "0-100; 100 = tax id, domain or phone match"})
    strong = ma.fields.Boolean(required=True, metadata={"description": "Probably the same company"})
    matched_on = ma.fields.List(_TEXT(), required=True, metadata={
        "description": "name, tax_id, email_domain and/or phone"})


class CustomerMatchesSchema(ma.Schema):
    matches = ma.fields.List(ma.fields.Nested(CustomerMatchSchema), required=True)


class CreateCustomerRequestSchema(ma.Schema):
    """What the ERP customer gets besides the CRM account's name and address."""

    tax_id = _TEXT(load_default="", validate=ma.validate.Length(max=60), metadata={
        "description": "Tax id / VAT number of the new customer"})
    currency = _TEXT(load_default="", validate=ma.validate.Length(max=3), metadata={
        "description": "ISO 4217 code of the customer's currency (empty: the ERP's default)"})
    email = _TEXT(load_default="", validate=ma.validate.Length(max=200), metadata={
        "description": "The customer's e-mail address"})
    confirm = ma.fields.Boolean(load_default=False, metadata={
        "description": "Create even though the ERP has a strong match (refused with 409 duplicate_customer "
                       "otherwise)"})


class CreatedCustomerSchema(ma.Schema):
    crm_account_id = _TEXT(required=True)
    customer = ma.fields.Nested(ERPCustomerSchema, required=True)
    message = _TEXT(required=True, metadata={
        "description": "Why the id could not be written to the CRM account's field (empty when it was)"})
