from tests.fakes.hubspot_fixtures import *  # noqa: F403  (shared HubSpot fixtures)
from tests.fakes.recording_intake import intake  # noqa: F401 - fixture
