"""What every admin API operation shares, for any admin blueprint: the ``tenant_id`` query argument,
the admin-token security requirement and the documented auth problems."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask_smorest import Blueprint

from app.web.api.admin_schemas import TenantQuerySchema
from app.web.problems import alt_problem

ADMIN_AUTH: list[dict[str, list[str]]] = [{"adminToken": []}]
ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def admin_operation(blp: Blueprint) -> Callable[[ViewT], ViewT]:
    """A decorator for ``blp``'s views: tenant_id query argument, security and the 401/403/404 problems."""
    def decorate(view: ViewT) -> ViewT:
        view = blp.arguments(TenantQuerySchema, location="query", as_kwargs=True)(view)
        view = alt_problem(blp, 401, "No valid admin credential")(view)
        view = alt_problem(blp, 403, "Another installation's session, or a cookie-authenticated write "
                                     "without same-origin Origin/Referer and X-CSRF-Token")(view)
        view = alt_problem(blp, 404, "Operator token without tenant_id, or an unknown tenant")(view)
        return blp.doc(security=ADMIN_AUTH)(view)
    return decorate
