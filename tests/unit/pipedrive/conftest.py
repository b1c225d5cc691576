import pytest

from tests.fakes.pipedrive_fixtures import *  # noqa: F403


@pytest.fixture
def widget_headers_for_demo(pd_services):
    demo = pd_services.tenants.find("demo", "demo-company")
    token, _ = pd_services.widget_tokens.mint(demo.id, "rep-1", "demo")
    return {"Authorization": f"Bearer {token}"}
from tests.fakes.recording_intake import intake  # noqa: E402,F401 - fixture
