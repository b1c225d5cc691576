"""Custom fields the integration uses: list, create when missing, remember the chosen hash keys.

``GET/POST /v1/dealFields`` and ``/v1/organizationFields``
(https://pipedrive.readme.io/docs/core-api-concepts-custom-fields). A created
field's ``key`` (40-char hash) is what API v2 ``custom_fields`` are keyed by.
Custom-field counts are plan-capped, so we reuse a field with the same name
before creating one.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.crm.api import CRMApi
from app.crm.pipedrive import mapping


@dataclass(frozen=True)
class FieldSpec:
    """One field erp-panel needs: where it lives and the name we give it when creating it."""

    setting: str          # key in TenantSettings.crm_fields
    entity: str           # "deal" | "organization"
    default_name: str
    purpose: str


SPECS = (
    FieldSpec(mapping.FIELD_ERP_CUSTOMER, "organization", "ERP customer ID",
              "Organization field holding the ERP customer id (links the organization to the ERP)"),
    FieldSpec(mapping.FIELD_ORDER_NUMBER, "deal", "ERP order #", "Deal field erp-panel writes the ERP order number to"),
    FieldSpec(mapping.FIELD_ORDER_STATUS, "deal", "ERP order status", "Deal field for the ERP order status"),
    FieldSpec(mapping.FIELD_FAILURE_REASON, "deal", "ERP order problem",
              "Deal field for the reason an order could not be created"),
    FieldSpec(mapping.FIELD_DELIVERY_STATUS, "deal", "ERP delivery status",
              "Deal field for the order's delivery status (optional)"),
    FieldSpec(mapping.FIELD_INVOICE_STATUS, "deal", "ERP invoice status",
              "Deal field for the order's invoices and what is still owed (optional)"),
)
SPEC_BY_SETTING = {s.setting: s for s in SPECS}
_PATH = {"deal": "/v1/dealFields", "organization": "/v1/organizationFields"}
#: field types that can hold our text values
TEXT_TYPES = {"varchar", "text", "varchar_auto"}


@dataclass(frozen=True)
class CustomField:
    key: str
    name: str
    field_type: str


class FieldManager:
    """Reads and creates a company's custom fields."""

    def __init__(self, client: CRMApi):
        self.client = client

    def list(self, entity: str) -> list[CustomField]:
        """Text-capable custom fields of an entity (system fields have short, non-hash keys)."""
        envelope = self.client.get(_PATH[entity], params={"limit": 500})
        fields = []
        for item in envelope.get("data") or []:
            key = str(item.get("key") or "")
            if item.get("edit_flag") is False or len(key) != 40:
                continue
            if str(item.get("field_type") or "") in TEXT_TYPES:
                fields.append(CustomField(key=key, name=str(item.get("name") or key),
                                          field_type=str(item.get("field_type"))))
        return fields

    def create(self, entity: str, name: str) -> CustomField:
        """Create a text (varchar) field; returns it with its hash key."""
        data = self.client.post(_PATH[entity], {"name": name, "field_type": "varchar"}).get("data") or {}
        return CustomField(key=str(data.get("key") or ""), name=str(data.get("name") or name),
                           field_type=str(data.get("field_type") or "varchar"))

    def ensure(self, spec: FieldSpec) -> CustomField:
        """The field named ``spec.default_name``, created if the company has none."""
        for existing in self.list(spec.entity):
            if existing.name.strip().lower() == spec.default_name.lower():
                return existing
        return self.create(spec.entity, spec.default_name)


CREATE = "__create__"


class UnknownField(ValueError):
    """The admin picked a field key the company does not have (or that cannot hold text)."""


def apply_choices(manager: FieldManager, crm_fields: dict[str, str], choices: dict[str, str]) -> dict[str, str]:
    """New ``crm_fields`` from the fields-page form: "" = not used, CREATE = ensure, else an existing key."""
    result = dict(crm_fields)
    listed: dict[str, set[str]] = {}
    for spec in SPECS:
        value = (choices.get(spec.setting) or "").strip()
        if not value:
            result.pop(spec.setting, None)
        elif value == CREATE:
            result[spec.setting] = manager.ensure(spec).key
        else:
            if spec.entity not in listed:
                listed[spec.entity] = {f.key for f in manager.list(spec.entity)}
            if value not in listed[spec.entity]:
                raise UnknownField(f"The field chosen for “{spec.default_name}” is not a text field of this company.")
            result[spec.setting] = value
    return result
