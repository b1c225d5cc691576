"""Deterministic seeded catalogue for the sandbox ERP.

Names deliberately include accents, quotes, emoji and markup so that every layer
that renders ERP text is exercised on escaping.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from app.domain.customer import (
    CustomerQuery,
    ERPCustomer,
    email_domain,
    fold,
    fold_plain,
    phone_key,
    tax_key,
)

WAREHOUSES = ("Main – Berlin", "East – Warszawa", "West – Lyon")

#: currency -> units of that currency per 1 EUR (fixed, for deterministic prices)
RATES = {"EUR": Decimal("1"), "USD": Decimal("1.08"), "GBP": Decimal("0.86"), "CHF": Decimal("0.95"),
         "SEK": Decimal("11.40"), "JPY": Decimal("162"), "DKK": Decimal("7.46")}

_ITEM_NAMES = [
    "Widget ⚙️ Standard", "Widget ⚙️ Deluxe", "Bolt M8 × 40 (100 pcs)", "Nut M8 (100 pcs)",
    'Hex key "Pro" set', "Café crème pods (50)", "Façade panel 1200 mm", "Schraubenzieher Größe 2",
    "Pipe ½\" brass", "Valve DN25 – PN16", "Cable CAT6 305 m", "Switch 24-port <managed>",
    "Sensor pH 0–14", "Pump 230 V 0.75 kW", "Bearing 6204-2RS", "Gasket NBR Ø50",
    "Filter cartridge 10\"", "Motor 🚀 turbo 1.1 kW", "Label roll 100×50", "Pallet EUR 1200×800",
    "Glove nitrile L (100)", "Helmet EN397 yellow", "Drill bit HSS Ø6", "Saw blade 254 mm",
    "Paint RAL 9010 10 l", "Primer grey 5 l", "Adhesive PU 310 ml", "Tape aluminium 50 m",
    "Ladder 3×9 rungs", "Toolbox 'Compact'", "Thermometer −50…300 °C", "Scale 150 kg ±50 g",
]


@dataclass(frozen=True)
class Item:
    code: str
    name: str
    list_price_eur: Decimal
    uom: str


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    currency: str
    credit_limit: Decimal | None
    on_hold: bool = False
    hold_reason: str = "none"
    hold_note: str = ""
    disabled: bool = False
    discount: Decimal = Decimal("0")
    overdue_profile: str = "none"     # none | overdue | heavy
    price_list: str = "Standard Selling"
    tax_id: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""


@dataclass(frozen=True)
class SeedInvoice:
    number: str
    customer_id: str
    issue_date: date
    due_date: date
    currency: str
    total: Decimal
    outstanding: Decimal
    cancelled: bool = False


CUSTOMERS = (
    Customer("CUST-0001", "Müller & Söhne GmbH", "EUR", Decimal("50000"), discount=Decimal("5"),
             tax_id='DE 123 456 789', email='einkauf@mueller-soehne.de', phone='+49 30 1234 5678', address='Hauptstraße 5', city='Berlin',
             postal_code='10115', country='DE'),
    Customer("CUST-0002", "Acme Corporation", "USD", Decimal("100000"), discount=Decimal("10"),
             tax_id='US-94-1234567', email='purchasing@acme.example', phone='+1 415 555 0100', address='1 Market St', city='San Francisco',
             postal_code='94105', country='US'),
    Customer("CUST-0003", 'O\'Brien "Quality" Supplies Ltd', "GBP", Decimal("20000"),
             tax_id='GB123456789', email='orders@obrien-supplies.co.uk', phone='+44 20 7946 0001', address="12 O'Connell Rd", city='London',
             postal_code='E1 6AN', country='GB'),
    Customer("CUST-0004", "Café Lumière SARL", "EUR", Decimal("15000"), on_hold=True,
             hold_reason="credit_hold", hold_note="Held by finance: cheque returned unpaid",
             tax_id='FR40303265045', email='compta@cafe-lumiere.fr', phone='+33 1 42 68 53 00', address='8 rue de Rivoli', city='Paris',
             postal_code='75004', country='FR'),
    Customer("CUST-0005", "Nordic Fjord Handel AB", "SEK", Decimal("400000"), overdue_profile="overdue",
             tax_id='SE556677889901', email='inkop@nordicfjord.se', phone='+46 8 555 123 40', address='Sveavägen 10', city='Stockholm',
             postal_code='111 57', country='SE'),
    Customer("CUST-0006", "Tōkyō Trading 🚀 K.K.", "JPY", Decimal("8000000"), discount=Decimal("3"),
             tax_id='JP1234567890123', email='info@tokyo-trading.jp', phone='+81 3 6789 0123', address='1-1 Marunouchi', city='Tōkyō',
             postal_code='100-0005', country='JP'),
    Customer("CUST-0007", "<b>Bold</b> & <script>alert(1)</script> Co", "EUR", Decimal("10000"),
             tax_id='', email='hello@bold.example', phone='', address='', city='',
             postal_code='', country='DE'),
    Customer("CUST-0008", "Zürich Präzision AG", "CHF", Decimal("5000"), overdue_profile="heavy",
             tax_id='CHE-123.456.789 MWST', email='einkauf@zuerich-praezision.ch', phone='+41 44 123 45 67', address='Bahnhofstrasse 1', city='Zürich',
             postal_code='8001', country='CH'),
    Customer("CUST-0009", "Ñandú Exports S.A.", "EUR", None,
             tax_id='ESA12345678', email='ventas@nandu.es', phone='+34 91 123 45 67', address='Calle Mayor 3', city='Madrid',
             postal_code='28013', country='ES'),
    Customer("CUST-0010", "Smørrebrød ApS", "DKK", Decimal("60000"), discount=Decimal("7.5"),
             tax_id='DK12345678', email='ordre@smorrebrod.dk', phone='+45 33 12 34 56', address='Nyhavn 17', city='København',
             postal_code='1051', country='DK'),
    Customer("CUST-0011", "Dormant Industries Ltd", "GBP", Decimal("0"), on_hold=True,
             hold_reason="disabled", disabled=True, hold_note="Customer disabled in ERP",
             tax_id='GB987654321', email='accounts@dormant.example', phone='+44 161 496 0000', address='', city='Manchester',
             postal_code='M1 1AA', country='GB'),
    Customer("CUST-0012", "São Paulo Distribuição Ltda", "USD", Decimal("25000"), discount=Decimal("2"),
             tax_id='BR12345678000195', email='compras@saopaulo-dist.com.br', phone='+55 11 3123 4567', address='Av. Paulista 1000', city='São Paulo',
             postal_code='01310-100', country='BR'),
)


def customer_record(customer: Customer) -> ERPCustomer:
    """The catalogue customer as the linking screens see it."""
    return ERPCustomer(customer.id, customer.name, disabled=customer.disabled, tax_id=customer.tax_id,
                       email=customer.email, phone=customer.phone, address=customer.address, city=customer.city,
                       postal_code=customer.postal_code, country=customer.country, currency=customer.currency)


def may_match(customer: Customer, query: CustomerQuery) -> bool:
    """What the sandbox's search filter lets through: any name word (its collation folds accents and case,
    like MariaDB's utf8mb4 collations), the tax id, the e-mail domain or the phone number's last digits."""
    names = (fold(customer.name), fold_plain(customer.name))
    if any(fold(word) in names[0] or fold_plain(word) in names[1] for word in query.name_words()):
        return True
    if query.tax() and tax_key(customer.tax_id) == query.tax():
        return True
    if query.domain() and email_domain(customer.email) == query.domain():
        return True
    return bool(query.phone_probe()) and phone_key(customer.phone).endswith(query.phone_probe())


def build_items(seed: int) -> tuple[Item, ...]:
    rng = random.Random(seed)
    items = []
    for index, name in enumerate(_ITEM_NAMES):
        price = Decimal(rng.randint(199, 99900)) / Decimal(100)
        items.append(Item(f"SKU-{1001 + index}", name, price, "Box" if "pcs" in name else "Unit"))
    return tuple(items)


def build_stock(seed: int, items: tuple[Item, ...]) -> dict[tuple[str, str], tuple[Decimal, Decimal]]:
    """(item, warehouse) -> (on_hand, reserved); some items are absent from some warehouses."""
    rng = random.Random(seed + 1)
    stock = {}
    for item in items:
        for wh in WAREHOUSES:
            if rng.random() < 0.2:
                continue
            on_hand = Decimal(rng.randint(0, 500))
            reserved = Decimal(rng.randint(0, int(on_hand))) if on_hand and rng.random() < 0.6 else Decimal(0)
            stock[(item.code, wh)] = (on_hand, reserved)
    return stock


def build_invoices(seed: int, today: date) -> tuple[SeedInvoice, ...]:
    """Invoices relative to ``today`` so overdue customers stay overdue whenever the demo runs."""
    rng = random.Random(seed + 2)
    invoices = []
    counter = 1
    for customer in CUSTOMERS:
        count = {"none": 3, "overdue": 5, "heavy": 6}[customer.overdue_profile]
        for n in range(count):
            age = rng.randint(2, 25) if customer.overdue_profile == "none" else rng.randint(5, 120)
            issue = today - timedelta(days=age)
            due = issue + timedelta(days=30)
            total = (Decimal(rng.randint(5000, 900000)) / 100 * RATES[customer.currency]).quantize(Decimal("0.01"))
            if customer.currency == "JPY":
                total = total.quantize(Decimal("1"))
            if n == 0 and customer.overdue_profile == "none":
                outstanding = Decimal(0)           # one paid invoice each
            elif customer.overdue_profile == "heavy" or n % 2:
                outstanding = total
            else:
                outstanding = (total / 2).quantize(total)
            invoices.append(SeedInvoice(f"SINV-{today.year}-{counter:05d}", customer.id, issue, due,
                                        customer.currency, total, outstanding))
            counter += 1
    return tuple(invoices)
