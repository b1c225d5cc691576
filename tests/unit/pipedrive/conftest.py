import pytest  # noqa: E402

from tests.fakes.pipedrive_fixtures import *  # noqa: F401,F403


@pytest.fixture
def browser_unconfigured(app):
    from tests.fakes.pipedrive_fixtures import https_client
    return https_client(app)
