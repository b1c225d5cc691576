"""One failed ERP read does not blank a section: quick retries, then "retrying" with a short back-off."""
from __future__ import annotations

from app.panel.model import DataKind, SectionState

CREDIT = (DataKind.CREDIT,)
ACCOUNTS = ["ACC-1001", "ACC-1002", "ACC-1003", "ACC-1004", "ACC-1005"]


def credit(services, tenant, account="ACC-1001"):
    return services.panel.read(tenant, account, kinds=CREDIT).sections[DataKind.CREDIT]


def test_a_failed_read_is_retried_at_once_and_the_section_has_data(services, demo_tenant, faults, clock):
    faults.fail_next(2)
    section = credit(services, demo_tenant)
    assert section.state == SectionState.OK and section.data.customer_id == "CUST-0001"
    assert faults.calls["get_credit"] == 3
    assert clock.slept == [0.25, 0.5]              # quick pauses, on the injected clock


def test_connectors_that_retry_their_own_reads_are_not_retried_twice(services, demo_tenant, faults):
    connector, _ = services.erp.connector_for(demo_tenant)
    connector.retries_reads = True                 # as the HTTP connectors declare (their VendorHTTP retries GETs)
    faults.fail_next(1)
    assert credit(services, demo_tenant).state == SectionState.RETRYING
    assert faults.calls["get_credit"] == 1


def test_a_cold_key_that_failed_is_asked_again_after_two_seconds_not_fifteen(services, demo_tenant, faults, clock):
    faults.fail_next(3)                            # the read and both quick retries fail
    section = credit(services, demo_tenant)
    assert section.state == SectionState.RETRYING and section.retry_after == 2
    assert section.message == "The ERP did not answer; trying again in a few seconds."
    assert credit(services, demo_tenant).state == SectionState.RETRYING     # inside the 2 s back-off
    assert faults.calls["get_credit"] == 3
    clock.advance(2)
    assert credit(services, demo_tenant).state == SectionState.OK           # the next reader fetched again
    assert faults.calls["get_credit"] == 4


def test_the_back_off_grows_while_failures_continue_and_resets_after_a_success(services, demo_tenant, faults, clock):
    faults.down = True
    waits = []
    for _ in range(5):
        section = credit(services, demo_tenant)
        waits.append(section.retry_after)
        clock.advance(section.retry_after or 15)
    assert waits[:3] == [2, 4, 8] and waits[3:] == [None, None]            # then "unavailable" (15 s apart)
    assert section.state == SectionState.UNAVAILABLE
    faults.down = False
    clock.advance(15)
    assert credit(services, demo_tenant).state == SectionState.OK
    faults.fail_next(3)
    clock.advance(300)                                                      # credit TTL over: fetch again
    assert credit(services, demo_tenant).state == SectionState.OK           # served while refreshed behind it
    services.panel.settle()
    assert credit(services, demo_tenant).state == SectionState.STALE        # last good data, not blank
    clock.advance(1000)                                                     # beyond the stale limit
    faults.fail_next(3)
    assert credit(services, demo_tenant).retry_after == 2                   # a new streak starts at 2 s


def unavailable_share(services, tenant, loads: int) -> float:
    """Share of cold panel loads with at least one section showing no data because of an ERP error."""
    blank = 0
    for n in range(loads):
        services.panel.forget_tenant(tenant.id)          # every load is cold: no stale copy to fall back on
        view = services.panel.read(tenant, ACCOUNTS[n % len(ACCOUNTS)])
        blank += any(s.state in (SectionState.RETRYING, SectionState.UNAVAILABLE) for s in view.sections.values())
    return blank / loads


def test_under_ten_percent_errors_far_fewer_panels_show_a_section_without_data(services, demo_tenant, faults):
    faults.fail_rate = 0.10
    services.panel.read_retries = 0                      # before: one failed call blanked the section
    without_retries = unavailable_share(services, demo_tenant, 300)
    services.panel.read_retries = services.settings.panel_read_retries
    with_retries = unavailable_share(services, demo_tenant, 300)
    print(f"panels with a blank section at 10 % ERP errors: {without_retries:.1%} without read retries, "
          f"{with_retries:.1%} with")
    assert without_retries > 0.2                         # 1 - 0.9**4 = 34 % expected
    assert with_retries < 0.02                           # 1 - (1 - 0.1**3)**4 = 0.4 % expected
