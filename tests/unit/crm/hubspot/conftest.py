from tests.fakes.hubspot_fixtures import *  # noqa: F403  (shared HubSpot fixtures)
