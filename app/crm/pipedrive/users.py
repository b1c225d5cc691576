"""A Pipedrive user's role and permission sets, for role-based figures.

``GET /v1/users/{id}`` (https://developers.pipedrive.com/docs/api/v1/Users#getUser) answers the user
with ``role_id`` (their role in the visibility hierarchy), ``is_admin`` and ``access``: one entry
per app with the ``permission_set_id`` the user has there
(https://developers.pipedrive.com/docs/api/v1/PermissionSets); ``GET /v1/roles/{id}``
(https://developers.pipedrive.com/docs/api/v1/Roles#getRole) names the role. The viewer's roles are
the ids and names of both, and ``admin`` for a company admin, so the admin may write either in a rule.
"""
from __future__ import annotations

from typing import Any

from app.crm.api import CRMApi
from app.errors import UpstreamError
from app.panel.figures import Viewer


def pipedrive_viewer(api: CRMApi, user_id: str) -> Viewer:
    """The user's roles from Pipedrive's users API (UpstreamError when Pipedrive does not answer)."""
    if not user_id.isdigit():
        return Viewer(user_id)
    user: dict[str, Any] = api.get(f"/v1/users/{int(user_id)}").get("data") or {}
    roles: set[str] = set()
    if user.get("is_admin") in (1, True):
        roles.add("admin")
    for access in user.get("access") or []:
        if isinstance(access, dict) and access.get("permission_set_id"):
            roles.add(str(access["permission_set_id"]))
    role_id = user.get("role_id")
    if isinstance(role_id, int) and role_id > 0:
        roles.add(str(role_id))
        try:
            name = (api.get(f"/v1/roles/{role_id}").get("data") or {}).get("name")
        except UpstreamError:
            name = None                # the id still matches; a name is a convenience
        if isinstance(name, str) and name.strip():
            roles.add(name.strip())
    return Viewer(user_id, roles=frozenset(roles))
