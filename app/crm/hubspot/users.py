"""A HubSpot user's role and teams, for role-based figures.

``GET /settings/v3/users/{userId}`` answers ``roleIds`` (and the older single ``roleId``),
``primaryTeamId``, ``secondaryTeamIds`` and ``superAdmin``
(https://developers.hubspot.com/docs/api-reference/legacy/account/settings/user-provisioning/users/get-user);
``GET /settings/v3/users/teams`` and ``GET /settings/v3/users/roles`` name them
(https://developers.hubspot.com/docs/api-reference/legacy/account/settings/user-provisioning/guide).
Scopes ``settings.users.read`` and ``settings.users.teams.read``. The viewer's roles and teams are the
ids and names, and ``super_admin`` for a super admin.
"""
from __future__ import annotations

from typing import Any

from app.crm.api import CRMApi
from app.errors import UpstreamError
from app.panel.figures import Viewer


def _names(api: CRMApi, path: str) -> dict[str, str]:
    """id -> name of every team or role (an empty map when HubSpot does not tell: the ids still match)."""
    try:
        results = api.get(path).get("results") or []
    except UpstreamError:
        return {}
    return {str(r["id"]): str(r.get("name") or "") for r in results if isinstance(r, dict) and "id" in r}


def _with_names(ids: set[str], names: dict[str, str]) -> frozenset[str]:
    return frozenset(ids | {names[i] for i in ids if names.get(i)})


def hubspot_viewer(api: CRMApi, user_id: str) -> Viewer:
    """The user's roles and teams from HubSpot's settings users API (UpstreamError when it does not answer)."""
    if not user_id.isdigit():
        return Viewer(user_id)
    user: dict[str, Any] = api.get(f"/settings/v3/users/{int(user_id)}")
    roles = {str(r) for r in (user.get("roleIds") or []) if r} | ({str(user["roleId"])} if user.get("roleId") else set())
    teams = {str(t) for t in (user.get("secondaryTeamIds") or []) if t}
    if user.get("primaryTeamId"):
        teams.add(str(user["primaryTeamId"]))
    role_names = _names(api, "/settings/v3/users/roles") if roles else {}
    team_names = _names(api, "/settings/v3/users/teams") if teams else {}
    found = _with_names(roles, role_names)
    if user.get("superAdmin") is True:
        found |= {"super_admin"}
    return Viewer(user_id, roles=found, teams=_with_names(teams, team_names))
