"""The panel API's rendering with per-section memo gives exactly the bytes of the schema dump."""
from __future__ import annotations

from dataclasses import replace

import pytest
from flask import jsonify

from app.panel.model import DataKind, PanelView, Section, SectionState
from app.panel.present import panel_dict
from app.panel.schema import PanelSchema
from app.web.panel.render import PanelRenderer


def schema_bytes(app, view, today) -> bytes:
    with app.app_context():
        return jsonify(PanelSchema().dump(panel_dict(view, today))).get_data()


def rendered_bytes(app, renderer, view, today) -> bytes:
    with app.app_context():
        return renderer.response(app, view, today).get_data()


@pytest.fixture
def warm_view(services, demo_tenant):
    return services.panel.read(demo_tenant, "ACC-1004")          # overdue invoices: a summary with totals


def states(view: PanelView) -> list[PanelView]:
    """The same panel in every section state the read service produces, ages and hints included."""
    ok = view.sections
    variants = [view]
    for state in SectionState:
        sections = {}
        for kind, section in ok.items():
            if state in (SectionState.OK, SectionState.STALE):
                sections[kind] = replace(section, state=state, age_seconds=12.345,
                                         reason="erp_unavailable" if state == SectionState.STALE else "",
                                         message="Showing the last good data: down" if state == SectionState.STALE
                                         else "")
            else:
                sections[kind] = Section(kind, state, reason=f"{state.value}_reason", message=f"«{state.value}» <b>",
                                         retry_after=2.0 if state == SectionState.RETRYING else None)
        variants.append(replace(view, sections=sections))
    variants.append(replace(view, erp_customer_id=None, sections={k: Section(k, SectionState.NOT_LINKED)
                                                                  for k in DataKind}))
    return variants


def test_rendered_bytes_equal_the_schema_dump_in_every_state(app, warm_view, clock):
    renderer = PanelRenderer()
    today = clock.now().date()
    for view in states(warm_view):
        expected = schema_bytes(app, view, today)
        assert rendered_bytes(app, renderer, view, today) == expected       # first time: dumped and kept
        assert rendered_bytes(app, renderer, view, today) == expected       # again: from the memo


def test_only_the_age_changes_between_two_reads_of_the_same_data(app, services, demo_tenant, clock):
    renderer = PanelRenderer()
    first = services.panel.read(demo_tenant, "ACC-1001")
    clock.advance(7.26)
    second = services.panel.read(demo_tenant, "ACC-1001")
    today = clock.now().date()
    assert second.sections[DataKind.CREDIT].data is first.sections[DataKind.CREDIT].data
    body = rendered_bytes(app, renderer, second, today)
    assert body == schema_bytes(app, second, today) and b'"age_seconds":7.3' in body
    assert body != rendered_bytes(app, renderer, first, today)


def test_the_memo_is_bounded_in_bytes(app, warm_view, clock):
    renderer = PanelRenderer(memo_bytes=20_000)
    today = clock.now().date()
    for n in range(50):
        view = replace(warm_view, sections={k: replace(s, source=f"source-{n}") for k, s in warm_view.sections.items()})
        assert rendered_bytes(app, renderer, view, today) == schema_bytes(app, view, today)
    assert 0 < renderer.bytes_used <= 20_000


def test_debug_mode_leaves_pretty_printing_to_the_schema(app, warm_view, clock):
    app.debug = True
    try:
        result = PanelRenderer().response(app, warm_view, clock.now().date())
    finally:
        app.debug = False
    assert isinstance(result, dict) and set(result) >= {"sections", "crm_account_id"}
