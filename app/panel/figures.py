"""Role-based figures: which panel sections a CRM user sees in full, as badges only, or not at all.

The admin sets a level per section for everyone (the default) and rules for CRM roles, teams or a
list of users. A rule that matches the viewer replaces the default; when several match, each section
gets the most open level among them. The policy is a function of a ``Viewer`` - the user id, roles and
teams taken from a verified CRM credential (and the CRM's users API) - so every surface (widget API,
Pipedrive JSON panel, HubSpot card, Salesforce Canvas) applies the same rule on the server before any
figure leaves it. Badges keep the facts a rep needs without the amounts: "Credit hold", "Over credit
limit", "Overdue", "Out of stock".
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.readiness import LineFacts, Readiness, ReadinessItem
from app.panel.model import DataKind, PanelView, Section
from app.tenants.settings_rules import Issue, raise_if


class Visibility(StrEnum):
    FULL = "full"          # every figure
    BADGES = "badges"      # only badges ("over limit", "overdue"); no amounts, no rows
    HIDDEN = "hidden"      # nothing of the section


#: most open first (when several rules match, the most open level of each section wins)
_OPENNESS = {Visibility.FULL: 2, Visibility.BADGES: 1, Visibility.HIDDEN: 0}
RULE_KINDS = {"role": "CRM role", "team": "CRM team", "user": "CRM users"}
MAX_RULES = 20
MAX_VALUES = 50
MAX_VALUE = 100
SECTIONS = tuple(DataKind)
BADGES_MESSAGE = "Only the badges of this section are shown for your CRM role."
HIDDEN_MESSAGE = "This section is not shown for your CRM role."


@dataclass(frozen=True)
class Badge:
    code: str
    label: str


@dataclass(frozen=True)
class Viewer:
    """A CRM user as the verified credential (and the CRM's users API) describe them: ids and names of
    their roles and teams, compared case-insensitively."""

    user_id: str
    roles: frozenset[str] = frozenset()
    teams: frozenset[str] = frozenset()

    def matches(self, kind: str, values: tuple[str, ...]) -> bool:
        wanted = {v.casefold() for v in values}
        have = {"role": self.roles, "team": self.teams, "user": frozenset({self.user_id})}[kind]
        return any(h.casefold() in wanted for h in have)


Levels = Mapping[DataKind, Visibility]
ALL_FULL: Levels = {kind: Visibility.FULL for kind in SECTIONS}


@dataclass(frozen=True)
class FigureRule:
    kind: str                              # role | team | user
    values: tuple[str, ...]
    levels: Levels


@dataclass(frozen=True)
class FigurePolicy:
    """The default levels and the rules; ``FigurePolicy()`` shows everything to everyone."""

    default: Levels = field(default_factory=lambda: dict(ALL_FULL))
    rules: tuple[FigureRule, ...] = ()

    @property
    def needs_directory(self) -> bool:
        """Whether a viewer's roles or teams matter (else the user id alone decides)."""
        return any(rule.kind in ("role", "team") for rule in self.rules)

    def levels_for(self, viewer: Viewer) -> Levels:
        """Each section's level for this viewer."""
        matching = [rule for rule in self.rules if viewer.matches(rule.kind, rule.values)]
        if not matching:
            return self.default
        return {kind: max((rule.levels[kind] for rule in matching), key=_OPENNESS.__getitem__)
                for kind in SECTIONS}

    def to_dict(self) -> dict[str, Any]:
        """The stored form (TenantSettings.figure_policy)."""
        return {"default": {k.value: v.value for k, v in self.default.items()},
                "rules": [{"kind": r.kind, "values": list(r.values),
                           "levels": {k.value: v.value for k, v in r.levels.items()}} for r in self.rules]}

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> FigurePolicy:
        """Validate the stored or submitted form; SettingsInvalid names every problem."""
        raw = raw or {}
        issues: list[Issue] = []
        default = _levels(raw.get("default"), "default", issues)
        rules_raw = raw.get("rules") or []
        if not isinstance(rules_raw, list) or len(rules_raw) > MAX_RULES:
            issues.append(Issue("rules", "too_many_rules", f"Give at most {MAX_RULES} rules."))
            rules_raw = []
        rules = []
        for n, rule in enumerate(rules_raw):
            rule = rule if isinstance(rule, Mapping) else {}
            kind = str(rule.get("kind", ""))
            if kind not in RULE_KINDS:
                issues.append(Issue(f"rules.{n}.kind", "unknown_rule_kind",
                                    f"Rule {n + 1}: choose a CRM role, team or list of users."))
            values = tuple(dict.fromkeys(str(v).strip() for v in (rule.get("values") or []) if str(v).strip()))
            if not values:
                issues.append(Issue(f"rules.{n}.values", "missing_rule_values",
                                    f"Rule {n + 1}: name at least one {RULE_KINDS.get(kind, 'value')}."))
            elif len(values) > MAX_VALUES or any(len(v) > MAX_VALUE for v in values):
                issues.append(Issue(f"rules.{n}.values", "too_many_rule_values",
                                    f"Rule {n + 1}: at most {MAX_VALUES} names of up to {MAX_VALUE} characters."))
            rules.append(FigureRule(kind, values, _levels(rule.get("levels"), f"rules.{n}", issues)))
        raise_if(issues)
        return cls(default=default, rules=tuple(rules))


def _levels(raw: Any, where: str, issues: list[Issue]) -> Levels:
    raw = raw if isinstance(raw, Mapping) else {}
    levels: dict[DataKind, Visibility] = {}
    for kind in SECTIONS:
        value = str(raw.get(kind.value, Visibility.FULL.value))
        try:
            levels[kind] = Visibility(value)
        except ValueError:
            issues.append(Issue(f"{where}.{kind.value}", "unknown_visibility",
                                f"'{value[:20]}' is not full, badges or hidden."))
            levels[kind] = Visibility.HIDDEN
    return levels


def badges(section: Section, today: date) -> tuple[Badge, ...]:
    """The facts of a section without its figures."""
    data = section.data
    if data is None:
        return ()
    found: list[Badge] = []
    if section.kind == DataKind.CREDIT:
        if data.on_hold:
            found.append(Badge("credit_hold", "Credit hold"))
        if data.over_limit:
            found.append(Badge("over_limit", "Over credit limit"))
        if data.overdue > 0:
            found.append(Badge("overdue", "Overdue balance"))
    elif section.kind == DataKind.INVOICES:
        if any(invoice.is_overdue(today) for invoice in data):
            found.append(Badge("overdue", "Overdue invoices"))
    elif section.kind == DataKind.STOCK:
        out = any(line.available <= 0 for line in data)
        found.append(Badge("out_of_stock", "Out of stock") if out else Badge("in_stock", "In stock"))
    return tuple(found)


def restrict(view: PanelView, levels: Levels, today: date) -> PanelView:
    """The panel as this viewer may see it (the same object when every section is in full)."""
    if all(levels.get(kind, Visibility.FULL) == Visibility.FULL for kind in view.sections):
        return view
    sections = {}
    for kind, section in view.sections.items():
        level = levels.get(kind, Visibility.FULL)
        if level == Visibility.FULL:
            sections[kind] = section
        elif level == Visibility.BADGES:
            sections[kind] = replace(section, data=None, visibility=level.value, badges=badges(section, today),
                                     message=section.message or BADGES_MESSAGE)
        else:
            sections[kind] = replace(section, data=None, visibility=level.value, badges=(), as_of=None,
                                     age_seconds=None, source="", message=HIDDEN_MESSAGE)
    # the last good credit read (shown past the stale limit) follows the credit section: for badges it keeps
    # only what the glance takes from it - the hold and its note - and for hidden nothing at all
    credit_level = levels.get(DataKind.CREDIT, Visibility.FULL)
    last_credit, last_at = view.last_credit, view.last_credit_at
    if credit_level == Visibility.BADGES and view.credit is not None:
        last_credit, last_at = view.credit, view.sections[DataKind.CREDIT].as_of
    elif credit_level == Visibility.HIDDEN:
        last_credit, last_at = None, None
    return replace(view, sections=sections, shown_name=view.customer_name, last_credit=last_credit,
                   last_credit_at=last_at)


#: the readiness findings that quote figures of a section, and the same finding in words alone
_FINDINGS_WITHOUT_FIGURES = {
    "over_credit_limit": (DataKind.CREDIT,
                          "The order is more than the customer's available credit; finance must raise the credit "
                          "limit, or the ERP may refuse or hold the order."),
    "insufficient_stock": (DataKind.STOCK,
                           "The ERP's warehouses do not hold enough of this deal's items; agree a delivery date "
                           "with the customer before closing (the sales rep)."),
    "price_deviation": (DataKind.PRICING,
                        "A price on this deal is outside the tolerance around the customer's ERP price; correct "
                        "it or get it approved (the sales rep)."),
}


def restrict_readiness(readiness: Readiness, levels: Levels) -> Readiness:
    """A deal's readiness as this viewer may see it: a finding keeps its verdict and who fixes it, but loses
    the amounts, quantities and prices of a section the viewer does not see in full; the deal's lines lose
    the stock available (credit room, stock and price are the figures the readiness checks quote)."""
    def full(kind: DataKind) -> bool:
        return levels.get(kind, Visibility.FULL) == Visibility.FULL

    if all(full(kind) for kind in SECTIONS):
        return readiness
    items = []
    for item in readiness.items:
        kind, words = _FINDINGS_WITHOUT_FIGURES.get(item.reason, (None, ""))
        items.append(item if kind is None or full(kind) else
                     ReadinessItem(item.severity, item.reason, words, item.owner))
    lines: tuple[LineFacts, ...] = readiness.lines
    if not full(DataKind.STOCK):
        lines = tuple(replace(line, available=None) for line in lines)
    if not full(DataKind.PRICING):
        lines = tuple(replace(line, customer_price=None, customer_currency="") for line in lines)
    return replace(readiness, items=tuple(items), lines=lines)
