"""What a rep reads when a section cannot show fresh figures: plain sentences, no vendor names or status codes.

The vendor's own wording (``UpstreamError.message``: "Sandbox ERP is unavailable (503)") is for the
admin: the read service logs it with the section's reason code, which the panel API keeps in
``reason`` and the operations page counts; the rep gets one of the sentences here, chosen by the
kind of failure.
"""
from __future__ import annotations

from app.errors import (
    MissingVendorField,
    UpstreamAuthFailed,
    UpstreamError,
    UpstreamMisconfigured,
    UpstreamRateLimited,
    UpstreamRejected,
)

UNREACHABLE = "The ERP is not answering right now."
SLOW = "The ERP is taking too long to answer."
BUSY = "The ERP asked erp-panel to slow down for a moment."
SIGN_IN = "erp-panel cannot sign in to the ERP; an admin needs to check the ERP connection."
MISSING_FIELD = ("The ERP's answer lacks a figure this section needs; an admin can see which one with Test "
                 "connection on the erp-panel settings page.")
REFUSED = "The ERP refused to give these figures; an admin can see why on the erp-panel operations page."

STALE = "Showing the last good figures: {why}"
RETRYING = "The ERP did not answer; trying again in a few seconds."
UNAVAILABLE = "No recent figures to show: {why} The panel keeps trying."


def rep_message(exc: UpstreamError) -> str:
    """The plain sentence a rep sees for a failed read (never the vendor's own text)."""
    if isinstance(exc, MissingVendorField):
        return MISSING_FIELD
    if isinstance(exc, UpstreamRateLimited):
        return BUSY
    if isinstance(exc, UpstreamAuthFailed):
        return SIGN_IN
    if isinstance(exc, UpstreamMisconfigured):
        return exc.message          # erp-panel's own settings sentence (what the admin changes), not vendor text
    if isinstance(exc, UpstreamRejected):
        return REFUSED
    return UNREACHABLE
