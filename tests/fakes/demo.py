"""The running demo CRM integration of a test app (the demo runs in development and test mode)."""
from __future__ import annotations

from app.crm.demo.integration import DemoIntegration
from app.services import Services


def demo(services: Services) -> DemoIntegration:
    """The demo integration of these services."""
    integration = services.crm.of_kind(DemoIntegration)
    assert integration is not None, "the demo CRM runs in this test app"
    return integration
