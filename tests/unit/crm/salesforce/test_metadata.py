"""The SFDX metadata under widgets/salesforce/ names what the code reads and writes, and is well-formed."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import defusedxml.ElementTree as SafeET

from app.crm.salesforce.integration import CALLBACK_PATH, SANDBOX_CALLBACK_PATH
from app.crm.salesforce.mapping import (
    ACCOUNT_ERP_FIELD,
    DELIVERY_STATUS_FIELD,
    FIELD_LENGTH,
    INVOICE_STATUS_FIELD,
    ORDER_FIELDS,
)
from app.web.crm.salesforce import CANVAS_PATH

ROOT = Path(__file__).resolve().parents[4] / "widgets" / "salesforce"
SOURCE = ROOT / "force-app" / "main" / "default"
NS = {"md": "http://soap.sforce.com/2006/04/metadata"}


def _xml(relative: str) -> ET.Element:
    return SafeET.parse(SOURCE / relative).getroot()


def test_every_metadata_file_is_well_formed_and_the_project_is_sfdx():
    project = json.loads((ROOT / "sfdx-project.json").read_text())
    assert project["packageDirectories"][0]["path"] == "force-app"
    for path in SOURCE.rglob("*.xml"):
        SafeET.parse(path)


def test_the_custom_fields_are_the_ones_the_connector_writes_and_reads():
    for name in (*ORDER_FIELDS, DELIVERY_STATUS_FIELD, INVOICE_STATUS_FIELD):
        field = _xml(f"objects/Opportunity/fields/{name}.field-meta.xml")
        assert field.findtext("md:fullName", namespaces=NS) == name
        assert int(field.findtext("md:length", namespaces=NS)) == FIELD_LENGTH
    assert _xml(f"objects/Account/fields/{ACCOUNT_ERP_FIELD}.field-meta.xml").findtext("md:type", namespaces=NS) == "Text"


def test_connected_app_posts_the_signed_request_to_the_canvas_route_and_calls_back_to_both_installs():
    app = _xml("connectedApps/erp_panel.connectedApp-meta.xml")
    assert app.findtext("md:canvasConfig/md:accessMethod", namespaces=NS) == "Post"
    assert app.findtext("md:canvasConfig/md:canvasUrl", namespaces=NS).endswith(CANVAS_PATH)
    callbacks = app.findtext("md:oauthConfig/md:callbackUrl", namespaces=NS).split()
    assert [urlpath.split(".com", 1)[1] for urlpath in callbacks] == [CALLBACK_PATH, SANDBOX_CALLBACK_PATH]
    assert {s.text for s in app.findall("md:oauthConfig/md:scopes", NS)} == {"Api", "RefreshToken"}


def test_the_flow_sends_the_outbound_message_with_id_and_is_won_when_an_opportunity_becomes_won():
    workflow = _xml("workflows/Opportunity.workflow-meta.xml")
    message = workflow.find("md:outboundMessages", NS)
    assert {"Id", "IsWon"} <= {f.text for f in message.findall("md:fields", NS)}
    flow = _xml("flows/ERP_Panel_Opportunity_Won.flow-meta.xml")
    action = flow.find("md:actionCalls", NS)
    assert action.findtext("md:actionType", namespaces=NS) == "outboundMessage"
    assert action.findtext("md:actionName", namespaces=NS) == "Opportunity." + message.findtext("md:fullName",
                                                                                                   namespaces=NS)
    start = flow.find("md:start", NS)
    assert start.findtext("md:filters/md:field", namespaces=NS) == "IsWon"
    assert start.findtext("md:doesRequireRecordChangedToMeetCriteria", namespaces=NS) == "true"


def test_the_opportunity_page_sends_its_account_id_in_the_signed_request():
    page = (SOURCE / "pages" / "ERP_Panel_Opportunity.page").read_text()
    assert 'developerName="erp_panel"' in page and "AccountId" in page
