"""Role-based figures: the policy (default, rules by role/team/user, most open wins), its validation, and
what a restricted panel keeps (badges, no data)."""
from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.crm.base import CRMIntegration
from app.crm.inbound import VerifiedCaller
from app.domain.credit import CustomerCredit
from app.domain.invoice import Invoice, InvoiceStatus
from app.domain.stock import StockLine
from app.panel.figures import FigurePolicy, Viewer, Visibility, badges, restrict
from app.panel.model import DataKind, PanelView, Section, SectionState
from app.tenants.settings_rules import SettingsInvalid

TODAY = date(2026, 11, 30)
FULL, BADGES, HIDDEN = Visibility.FULL, Visibility.BADGES, Visibility.HIDDEN
POLICY = FigurePolicy.parse({
    "default": {"credit": "badges", "invoices": "badges", "pricing": "hidden"},
    "rules": [{"kind": "role", "values": ["Finance"], "levels": {"credit": "full", "invoices": "full",
                                                                  "pricing": "badges"}},
              {"kind": "team", "values": ["t-42"], "levels": {"credit": "badges", "invoices": "hidden",
                                                              "pricing": "full"}},
              {"kind": "user", "values": ["u-9"], "levels": {"credit": "hidden", "invoices": "hidden",
                                                             "pricing": "hidden", "stock": "hidden"}}]})


def test_default_applies_when_no_rule_names_the_viewer():
    levels = POLICY.levels_for(Viewer("u-1", roles=frozenset({"Sales"})))
    assert levels == {DataKind.CREDIT: BADGES, DataKind.STOCK: FULL, DataKind.INVOICES: BADGES,
                      DataKind.PRICING: HIDDEN}


def test_a_matching_rule_replaces_the_default_and_the_most_open_rule_wins_per_section():
    finance = Viewer("u-2", roles=frozenset({"finance"}))                      # names compare case-insensitively
    assert POLICY.levels_for(finance)[DataKind.CREDIT] == FULL
    both = Viewer("u-3", roles=frozenset({"Finance"}), teams=frozenset({"t-42"}))
    levels = POLICY.levels_for(both)
    assert (levels[DataKind.CREDIT], levels[DataKind.INVOICES], levels[DataKind.PRICING]) == (FULL, FULL, FULL)
    assert set(POLICY.levels_for(Viewer("u-9")).values()) == {HIDDEN}            # a user list works on ids
    assert POLICY.needs_directory and not FigurePolicy.parse({"rules": [POLICY.to_dict()["rules"][2]]}).needs_directory


def test_no_policy_shows_everything_and_the_stored_form_round_trips():
    assert set(FigurePolicy().levels_for(Viewer("anyone")).values()) == {FULL}
    assert FigurePolicy.parse(POLICY.to_dict()) == POLICY


def test_bad_policies_name_every_problem():
    with pytest.raises(SettingsInvalid) as caught:
        FigurePolicy.parse({"default": {"credit": "some"}, "rules": [
            {"kind": "department", "values": ["x"]}, {"kind": "role", "values": []},
            {"kind": "team", "values": ["y" * 101]}]})
    assert set(caught.value.by_field()) == {"default.credit", "rules.0.kind", "rules.1.values", "rules.2.values"}
    with pytest.raises(SettingsInvalid):
        FigurePolicy.parse({"rules": [{"kind": "role", "values": ["a"]}] * 21})


def panel() -> PanelView:
    at = datetime(2026, 11, 30, 9, tzinfo=UTC)
    credit = CustomerCredit("C-1", "Café Lumière", "EUR", Decimal(1000), Decimal(1200), Decimal(50), True)
    invoices = [Invoice("I-1", "C-1", date(2026, 10, 1), date(2026, 10, 31), "EUR", Decimal(50), Decimal(50),
                        InvoiceStatus.OPEN)]
    stock = [StockLine("SKU-1", "Widget", "Main", Decimal(0), Decimal(0))]
    sections = {DataKind.CREDIT: Section(DataKind.CREDIT, SectionState.OK, credit, at, 12.0),
                DataKind.INVOICES: Section(DataKind.INVOICES, SectionState.OK, invoices, at, 12.0),
                DataKind.STOCK: Section(DataKind.STOCK, SectionState.OK, stock, at, 3.0),
                DataKind.PRICING: Section(DataKind.PRICING, SectionState.OK, [], at, 3.0)}
    return PanelView("t1", "ACC-1", "C-1", at, sections)


def test_restricted_sections_keep_badges_and_drop_every_figure():
    view = panel()
    levels = POLICY.levels_for(Viewer("u-1"))
    restricted = restrict(view, levels, TODAY)
    credit = restricted.sections[DataKind.CREDIT]
    assert credit.data is None and credit.visibility == "badges" and credit.age_seconds == 12.0
    assert [b.code for b in credit.badges] == ["credit_hold", "over_limit", "overdue"]
    assert [b.code for b in restricted.sections[DataKind.INVOICES].badges] == ["overdue"]
    pricing = restricted.sections[DataKind.PRICING]
    assert pricing.data is None and pricing.visibility == "hidden" and pricing.as_of is None and pricing.badges == ()
    assert restricted.sections[DataKind.STOCK] is view.sections[DataKind.STOCK]
    assert restricted.customer_name == "Café Lumière"                      # a name is not a figure
    assert [b.code for b in badges(view.sections[DataKind.STOCK], TODAY)] == ["out_of_stock"]
    assert restrict(view, FigurePolicy().levels_for(Viewer("u-1")), TODAY) is view


def test_a_crm_whose_signed_context_names_the_role_needs_no_users_api():
    """The default CRMIntegration.viewer: roles from the verified credential (a Canvas request's roleId/profileId)."""
    caller = VerifiedCaller(crm="salesforce", installation_id="00D1", user_id="0051",
                            user_context={"role_id": "00E7", "profile_id": "00e9", "email": "rep@example.com"})
    viewer = CRMIntegration.viewer(None, None, caller)  # type: ignore[arg-type] - uses only the caller
    assert viewer == Viewer("0051", roles=frozenset({"00E7", "00e9"}))
    assert POLICY.levels_for(viewer)[DataKind.CREDIT] == BADGES
