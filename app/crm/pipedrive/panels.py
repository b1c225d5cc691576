"""The Pipedrive JSON panel: PanelView (via app.panel.present) -> Pipedrive's panel JSON.

Contract (https://pipedrive.readme.io/docs/json-panels-adding-a-panel):
``{"data": [objects]}``; at most 10 objects, each at most 20 fields besides the
header; every key must be declared in the uploaded JSON Schema
(``panel_schema.json`` next to this module; ``additionalProperties`` is false,
so an undeclared key breaks the whole panel). Field formats: ``label``
``{"color", "label" <=40 chars}``, ``currency`` ``{"code", "value"}``,
``numerical``, ``date`` (YYYY-MM-DD), ``date-time`` (ISO 8601), ``text`` <=255.
Errors: a status > 300 with ``{"error": {"title" <=30 chars, "subtitle"}}``.
Keys that have no value for an object are omitted rather than sent as null.
"""
from __future__ import annotations

import json
import os
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.panel.glance import amount_text, deal_room

MAX_OBJECTS = 10
MAX_FIELDS = 20
MAX_STOCK_LINES = 5
MAX_INVOICE_LINES = 3
SCHEMA_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "panel_schema.json")


def load_schema() -> dict:
    with open(SCHEMA_PATH, encoding="utf-8") as fh:
        return json.load(fh)


def _money(value: Any, currency: str) -> dict | None:
    if value is None or not currency:
        return None
    return {"code": currency, "value": float(Decimal(str(value)))}


def _number(value: Any) -> float | None:
    return None if value is None else float(Decimal(str(value)))


def _text(value: Any, limit: int = 255) -> str:
    return str(value or "")[:limit]


def _label(text: str, color: str) -> dict:
    return {"color": color, "label": text[:40]}


def _iso(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return None


def _clean(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if v is not None and v != ""}


#: badge code -> JSON panel label colour
_BADGE_COLOURS = {"credit_hold": "red", "over_limit": "yellow", "overdue": "red", "out_of_stock": "red",
                  "in_stock": "green"}


def _badge_status(section: dict) -> dict | None:
    """A badges-only section's badges as one status label (the figures are not in the panel at all)."""
    badges = section.get("badges") or []
    if section.get("visibility") != "badges" or not badges:
        return None
    colour = next((_BADGE_COLOURS.get(b["code"], "blue") for b in badges if _BADGE_COLOURS.get(b["code"]) == "red"),
                  _BADGE_COLOURS.get(badges[0]["code"], "blue"))
    return _label(_text(", ".join(b["label"] for b in badges), 40), colour)


def _state_note(section: dict) -> str | None:
    if section.get("visibility", "full") != "full":
        return _text(section.get("message"))
    if section["state"] == "ok":
        return None
    if section["state"] == "stale":
        return "ERP not answering; figures may be out of date."
    if section["state"] == "retrying":
        # a JSON panel does not re-load by itself: say what to do
        return "The ERP did not answer; reload the panel in a few seconds."
    return _text(section.get("message") or "No data from the ERP.")


#: glance verdict -> the status label (the widget's verdict badge, widgets/account-panel/glance.js)
VERDICT_LABELS = {"on_hold": ("On hold", "red"), "over_limit": ("Over limit", "red"),
                  "overdue": ("Overdue", "yellow"), "ok": ("Good to sell", "green"), "unknown": ("Credit unknown", "grey")}


def glance_note(panel: dict, deal: dict | None = None) -> str:
    """The "can I sell?" line (``glance.headline``), the credit room for the deal's amount and the outage."""
    g = panel.get("glance")
    if g is None:
        return _state_note(panel["sections"]["credit"]) or ""
    text = g["headline"]
    room = deal_room(g, deal["amount"], deal["currency"]) if deal is not None and deal.get("amount") is not None \
        else None
    if room is not None and room["covers"] is True:
        text += " — covers this deal"
    elif room is not None and room["covers"] is False:
        text += f" — {amount_text(room['short_by'], room['currency'])} short for this deal"
    if g["hold_last_known"] and g["hold_as_of"] is not None:
        text += f" (hold as of {_iso(g['hold_as_of'])})"
    if g["unreachable_since"] is not None:
        text += f"; ERP unreachable since {_iso(g['unreachable_since'])}"
    return _text(text)


def credit_object(panel: dict, deal: dict | None = None) -> dict:
    """The glance line and the credit figures, first in the panel (``deal``: the readiness dict on a deal)."""
    section = panel["sections"]["credit"]
    c = section.get("data")
    verdict = (panel.get("glance") or {}).get("verdict", "unknown")
    obj: dict[str, Any] = {"header": _text(f"Can I sell? · {panel.get('customer_name') or panel.get('erp_customer_id')}",
                                           100),
                           "customer": _text(panel.get("erp_customer_id")), "as_of": _iso(section.get("as_of")),
                           "status": _badge_status(section) or _label(*VERDICT_LABELS.get(verdict,
                                                                                         VERDICT_LABELS["unknown"])),
                           # a viewer who sees credit as badges only reads why, not the glance's amounts
                           "note": glance_note(panel, deal) if section.get("visibility", "full") == "full"
                           else _state_note(section)}
    if c:
        cur = c["currency"]
        obj.update(credit_limit=_money(c["credit_limit"], cur), balance=_money(c["balance"], cur),
                   available_credit=_money(c["available_credit"], cur), overdue=_money(c["overdue"], cur))
    return _clean(obj)


def invoice_objects(panel: dict) -> list[dict]:
    section = panel["sections"]["invoices"]
    summary = section.get("summary")
    head: dict[str, Any] = {"header": "Open invoices", "as_of": _iso(section.get("as_of")), "note": _state_note(section),
                            "status": _badge_status(section)}
    lines: list[dict] = []
    if summary is not None:
        cur = summary["currency"]
        head.update(open_invoices=summary["open_count"], overdue_invoices=summary["overdue_count"],
                    outstanding=_money(summary["outstanding_total"], cur),
                    overdue=_money(summary["overdue_total"], cur),
                    status=_label(f"{summary['overdue_count']} overdue", "red") if summary["overdue_count"]
                    else _label("None overdue", "green"))
        invoices = sorted(section.get("data") or [], key=lambda i: (not i["is_overdue"], i["due_date"] or date.max))
        for inv in invoices[:MAX_INVOICE_LINES]:
            status = (_label(f"Overdue {inv['days_overdue']} d", "red") if inv["is_overdue"]
                      else _label(_text(inv["status_raw"] or inv["status"], 40) or "Open", "blue"))
            lines.append(_clean({"header": _text(f"Invoice {inv['number']}", 100), "status": status,
                                 "outstanding": _money(inv["outstanding"], inv["currency"]),
                                 "invoice_due": _iso(inv["due_date"])}))
    return [_clean(head)] + lines


def stock_objects(panel: dict) -> list[dict]:
    section = panel["sections"]["stock"]
    lines = section.get("data")
    if not lines:
        note = _state_note(section) or "No stock records for these items."
        return [_clean({"header": "Stock", "note": note, "as_of": _iso(section.get("as_of")),
                        "status": _badge_status(section)})]
    top = sorted(lines, key=lambda s: Decimal(str(s["available"])), reverse=True)[:MAX_STOCK_LINES]
    out = []
    for s in top:
        available = Decimal(str(s["available"]))
        out.append(_clean({
            "header": _text(f"Stock · {s['item_name'] or s['item_code']}", 100), "item": _text(s["item_code"]),
            "warehouse": _text(s["warehouse"]), "available": _number(s["available"]), "on_hand": _number(s["on_hand"]),
            "status": _label("In stock", "green") if available > 0 else _label("Out of stock", "red"),
            "as_of": _iso(section.get("as_of")), "note": _state_note(section)}))
    return out


#: readiness state -> (label, colour) of the JSON panel's status label
READINESS_LABELS = {"ready": ("Ready", "green"), "warnings": ("Check first", "yellow"), "blocked": ("Blocked", "red"),
                    "could_not_check": ("Not checked", "grey")}
FINDING_HEADERS = {"blocker": "Must fix", "warning": "Check", "unchecked": "Not checked"}
MAX_FINDINGS = 4


MAX_LINES = 3


def line_object(line: dict) -> dict:
    """One deal line: "40 needed, 35 available: 5 short", the deal's price against the customer's ERP price."""
    need = f"{Decimal(str(line['quantity'])).normalize():f}"
    if line["available"] is None:
        stock, status = f"{need} needed; stock not known", None
    else:
        have = f"{Decimal(str(line['available'])).normalize():f}"
        short = Decimal(str(line["short"]))
        stock = f"{need} needed, {have} available" + (f": {short.normalize():f} short" if short > 0 else "")
        status = _label("Short", "red") if short > 0 else _label("In stock", "green")
    price = ("no customer price in the ERP" if line["customer_price"] is None else
             f"customer price {amount_text(Decimal(str(line['customer_price'])), line['customer_currency'])}")
    return _clean({"header": _text(f"Line · {line['name'] or line['sku']}", 100), "item": _text(line["sku"]),
                   "available": _number(line["available"]), "status": status,
                   "note": _text(f"{stock} · deal price {amount_text(Decimal(str(line['deal_price'])), line['currency'])}"
                                 f", {price}")})


def readiness_objects(readiness: dict | None) -> list[dict]:
    """The deal's order readiness (``app.orders.present.readiness_dict``) as panel objects: the verdict, up to
    MAX_FINDINGS findings (blockers first), each a sentence saying what to fix and who fixes it, then up to
    MAX_LINES of the deal's own lines with their stock and prices."""
    if readiness is None:
        return []
    label, colour = READINESS_LABELS.get(readiness["state"], (readiness["state"], "grey"))
    head = {"header": "Order readiness", "status": _label(label, colour), "note": _text(readiness["summary"]),
            "as_of": _iso(readiness["checked_at"])}
    findings = [{"header": FINDING_HEADERS.get(item["severity"], "Check"), "note": _text(item["message"])}
                for item in readiness["items"][:MAX_FINDINGS]]
    lines = [line_object(line) for line in readiness.get("lines", [])[:MAX_LINES]]
    return [_clean(head)] + findings + lines


def numbered(objects: list[dict]) -> dict:
    """``{"data": objects}`` cut to MAX_OBJECTS, each with its id."""
    objects = objects[:MAX_OBJECTS]
    for index, obj in enumerate(objects, start=1):
        obj["id"] = index
    return {"data": objects}


def panel_json(panel: dict, lead: list[dict] | None = None, deal: dict | None = None) -> dict:
    """Pipedrive JSON panel body for a panel_dict(): the glance line first, then ``lead`` objects (a deal view's
    readiness and lines; ``deal`` its readiness dict, for the credit room), invoices and stock; ``{"data": []}``
    shows "Nothing to show"."""
    if not panel["linked"]:
        return numbered([*(lead or []), {
            "header": "Not linked to the ERP",
            "note": "Fill in the organization's ERP customer ID field to see ERP data here."}])
    return numbered([credit_object(panel, deal), *(lead or []), *invoice_objects(panel), *stock_objects(panel)])


def error_json(title: str, subtitle: str) -> dict:
    """Body for a failed panel request (sent with a status > 300)."""
    return {"error": {"title": title[:30], "subtitle": subtitle[:500]}}
