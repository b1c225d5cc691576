"""ERP customers as the linking screens see them, what an admin searches them by, and the
normalisations every connector and the ranking share (so "Mueller", "müller" and "MÜLLER" meet).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: German and Nordic letters whose ASCII spelling is two letters (Müller = Mueller): folded to that spelling
#: before accents are stripped, so both spellings meet
_SPELLED = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "æ": "ae", "ø": "oe", "å": "aa",
                          "œ": "oe", "þ": "th", "ð": "d", "ł": "l", "đ": "d"})
_SPELLED_BACK = (("ae", "ä"), ("oe", "ö"), ("ue", "ü"), ("ss", "ß"))
#: shortest name word the ERP is asked to match on its own (shorter ones match too much)
MIN_WORD = 3
#: digits of a phone number compared from its end (country prefixes and trunk zeros differ)
PHONE_TAIL = 8
#: digits of a phone number the ERP is asked to match (its formatting of the rest is unknown)
PHONE_PROBE = 4


@dataclass(frozen=True)
class ERPCustomer:
    """One customer record of the ERP, with what linking needs to recognise it."""

    customer_id: str
    name: str
    disabled: bool = False
    tax_id: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    currency: str = ""
    website: str = ""

    @property
    def email_domain(self) -> str:
        """The domain of the customer's e-mail address (lower case), or ""."""
        return email_domain(self.email)


@dataclass(frozen=True)
class NewCustomer:
    """A customer to create in the ERP, mapped from a CRM account (and what the admin added to it)."""

    name: str
    address: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    tax_id: str = ""
    currency: str = ""
    email: str = ""


@dataclass(frozen=True)
class CustomerQuery:
    """What to look for: any mix of a name, a tax id / VAT number, an e-mail domain and a phone number."""

    name: str = ""
    tax_id: str = ""
    email_domain: str = ""
    phone: str = ""
    limit: int = 20

    @property
    def empty(self) -> bool:
        return not (self.name.strip() or tax_key(self.tax_id) or email_domain(self.email_domain)
                    or phone_key(self.phone))

    def name_words(self) -> list[str]:
        """The words of the name the ERP is asked to match (``like``/``ilike``/``contains``), in the
        spellings an ERP without accent folding needs: as typed, with ae/oe/ue/ss as ä/ö/ü/ß, and folded."""
        words: list[str] = []
        for word in re.findall(r"\w+", self.name):
            if len(word) < MIN_WORD:
                continue
            lower = word.lower()
            spelled = lower
            for plain, letter in _SPELLED_BACK:
                spelled = spelled.replace(plain, letter)
            for variant in (word, spelled, spelled.capitalize(), strip_accents(lower)):
                if variant not in words:
                    words.append(variant)
        return words

    def domain(self) -> str:
        return email_domain(self.email_domain)

    def tax(self) -> str:
        return tax_key(self.tax_id)

    def phone_probe(self) -> str:
        """The last digits of the phone number, for ERPs that can only match the end of a text (the rest
        is compared by the ranking)."""
        digits = phone_key(self.phone)
        return digits[-PHONE_PROBE:] if len(digits) >= PHONE_PROBE else ""

    def tax_pattern(self) -> str:
        """A ``like`` pattern matching the tax id however the ERP spaces or punctuates it ("" when none)."""
        return spread_pattern(self.tax())

    def phone_pattern(self) -> str:
        """A ``like`` pattern matching the phone number's last digits whatever its formatting ("" when none)."""
        digits = phone_key(self.phone)
        return spread_pattern(digits) if len(digits) >= PHONE_PROBE else ""


def spread_pattern(key: str) -> str:
    """``%D%E%1%2%`` for ``DE12``: a SQL ``like`` pattern that allows anything between the characters."""
    return "%" + "%".join(key) + "%" if key else ""


def strip_accents(text: str) -> str:
    """``text`` without combining accents (é -> e), case kept."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def fold(text: str) -> str:
    """A name for comparison: lower case, ä/ö/ü/ß spelled ae/oe/ue/ss, accents stripped, punctuation a space."""
    spelled = strip_accents(unicodedata.normalize("NFKC", text).lower().translate(_SPELLED))
    return " ".join(re.findall(r"[a-z0-9]+", spelled))


def fold_plain(text: str) -> str:
    """Like ``fold`` but with ä/ö/ü as a/o/u (Muller = Müller), the other spelling people type."""
    plain = strip_accents(unicodedata.normalize("NFKC", text).lower()).replace("ß", "ss")
    return " ".join(re.findall(r"[a-z0-9]+", plain))


def tax_key(value: str) -> str:
    """A tax id / VAT number for comparison: letters and digits, upper case (DE 123 456-789 = DE123456789)."""
    return re.sub(r"[^0-9A-Za-z]", "", value or "").upper()


def phone_key(value: str) -> str:
    """The last PHONE_TAIL digits of a phone number (+49 30 1234-5678 = 030 12345678)."""
    digits = re.sub(r"\D", "", value or "")
    return digits[-PHONE_TAIL:]


def email_domain(value: str) -> str:
    """The domain of an e-mail address or a web address, lower case, without ``www.``; "" when none."""
    text = (value or "").strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0].split(":", 1)[0]
    text = text.removeprefix("www.")
    return text if re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", text) else ""
