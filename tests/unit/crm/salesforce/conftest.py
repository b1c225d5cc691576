from tests.fakes.salesforce_fixtures import *  # noqa: F403  (shared Salesforce fixtures)
