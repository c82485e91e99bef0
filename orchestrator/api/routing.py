"""Declared routes: one table that validates requests and documents the API.

Each handler is registered with its body and query models (pydantic, unknown fields
forbidden) and its response model; the same declaration drives parsing, the
authorization check, serialisation and the OpenAPI document, so they cannot drift.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError

from orchestrator.actions.actors import CodeUserActor, EmployeeActor
from orchestrator.actions.audit import PendingAudit, auditing, details_of
from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.api.identity import Identity, identify, require_csrf
from orchestrator.api.keys import SETTINGS_KEY, UOW_KEY
from orchestrator.domain.errors import (
    InvalidInput,
    MalformedRequest,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
)
from orchestrator.observability.context import REQUEST_ID_KEY, bind_session
from orchestrator.security.rate_limit import client_address, limit_code_user
from orchestrator.settings import Settings

Auth = Literal["public", "employee", "code_user"]
BodyT = TypeVar("BodyT", bound=BaseModel)
QueryT = TypeVar("QueryT", bound=BaseModel)

MAX_DB_INT = 2**31 - 1
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Call(Generic[BodyT, QueryT]):
    """Everything a handler needs, parsed and checked."""

    request: web.Request
    body: BodyT
    query: QueryT
    identity: Identity

    @property
    def uow(self) -> UnitOfWork:
        return self.request.app[UOW_KEY]

    @property
    def settings(self) -> Settings:
        return self.request.app[SETTINGS_KEY]

    @property
    def employee(self) -> EmployeeActor:
        if self.identity.employee is None:
            raise NotAuthenticated("please log in")
        return self.identity.employee.actor

    @property
    def code_user(self) -> CodeUserActor:
        if self.identity.code_user is None:
            raise NotAuthenticated("a code user token is required", code="code_user_token_required")
        return self.identity.code_user

    def path_id(self, name: str) -> int:
        """An integer path parameter; values no row can have are simply not found."""
        raw = self.request.match_info[name]
        value = int(raw)
        if not 0 < value <= MAX_DB_INT:
            raise NotFound(f"{name} {raw} not found", field=name)
        return value

    def if_match(self) -> int | None:
        """The expected version from ``If-Match: "<version>"`` (optimistic concurrency)."""
        raw = self.request.headers.get("If-Match")
        if raw is None:
            return None
        match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,9})"?\s*', raw)
        if match is None:
            raise MalformedRequest('If-Match must be a version like "3"', field="If-Match")
        return int(match.group(1))


class Empty(BaseModel):
    model_config = {"extra": "forbid"}


Handler = Callable[[Call[Any, Any]], Awaitable[Any]]


@dataclass
class Route:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    auth: Auth
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: Any
    status: int
    content_type: str | None
    errors: tuple[int, ...]
    #: Other success statuses the handler may answer with the same body, and why.
    other_statuses: tuple[tuple[int, str], ...] = ()
    path_params: list[str] = field(default_factory=list)
    rate_limited: bool = False


def _error_codes(auth: Auth, method: str, has_body: bool, path: str) -> tuple[int, ...]:
    codes = {400, 401, 422, 503}
    if auth != "employee":
        codes.add(429)  # rate limits of code users and of logins
    if auth != "public" or "{" in path:
        codes.update({403, 404})
    if method not in SAFE_METHODS:
        codes.update({403, 404, 409, 428})
    if has_body:
        codes.update({413, 415})
    return tuple(sorted(codes))


class Api:
    """The route table; ``install`` adds the routes to an aiohttp app."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def route(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        tag: str,
        auth: Auth = "employee",
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: Any = None,
        status: int = 200,
        other_statuses: dict[int, str] | None = None,
        content_type: str | None = None,
        rate_limited: bool | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare a route; code users' and anonymous routes are rate limited unless
        ``rate_limited=False`` (login counts its failures itself)."""

        def register(handler: Handler) -> Handler:
            params = re.findall(r"{(\w+)(?::[^}]*)?}", path)
            self.routes.append(
                Route(
                    method=method,
                    path=path,
                    handler=handler,
                    summary=summary,
                    tag=tag,
                    auth=auth,
                    body=body,
                    query=query,
                    response=response,
                    status=status,
                    content_type=content_type,
                    errors=_error_codes(auth, method, body is not None, path),
                    other_statuses=tuple(sorted((other_statuses or {}).items())),
                    path_params=params,
                    rate_limited=auth != "employee" if rate_limited is None else rate_limited,
                )
            )
            return handler

        return register

    def install(self, app: web.Application) -> None:
        for route in self.routes:
            app.router.add_route(route.method, route.path, _endpoint(route))


def _endpoint(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    response_adapter = TypeAdapter(route.response) if route.response is not None else None

    async def endpoint(request: web.Request) -> web.StreamResponse:
        if "session_id" in route.path_params:
            bind_session(int(request.match_info["session_id"]))
        identity = await identify(request)
        if route.auth == "employee" and identity.employee is None:
            raise NotAuthenticated("please log in")
        if route.auth == "code_user" and identity.code_user is None:
            raise NotAuthenticated("a code user token is required", code="code_user_token_required")
        if route.auth == "employee" and request.method not in SAFE_METHODS:
            require_csrf(request, identity)
        if route.rate_limited:
            code_user = identity.code_user
            await limit_code_user(request, code_user.code_user_id if code_user else None)
        body = await _parse_body(request, route.body) if route.body else Empty()
        query = _parse_query(request, route.query) if route.query else Empty()
        call = Call(request, body, query, identity)
        if route.auth == "employee" and request.method not in SAFE_METHODS:
            with auditing(_pending_audit(route, request, identity, body)):
                result = await route.handler(call)
        else:
            result = await route.handler(call)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        assert response_adapter is not None, f"{route.path} returned data but declares none"
        payload = response_adapter.dump_json(result, by_alias=True)
        headers = {}
        version = getattr(result, "version", None)
        if isinstance(version, int):
            headers["ETag"] = f'"{version}"'
        return web.Response(
            body=payload, status=route.status, content_type="application/json", headers=headers
        )

    return endpoint


def request_audit(
    request: web.Request, *, organisation_id: int, employee_id: int, email: str, action: str
) -> PendingAudit:
    """An audit entry for ``action`` by this employee, from this request."""
    return PendingAudit(
        organisation_id=organisation_id,
        employee_id=employee_id,
        employee_email=email,
        action=action,
        method=request.method,
        path=request.path,
        request_id=request.get(REQUEST_ID_KEY, ""),
        client_address=client_address(request, request.app[SETTINGS_KEY]),
    )


def _pending_audit(
    route: Route, request: web.Request, identity: Identity, body: BaseModel
) -> PendingAudit:
    """The audit entry of this employee request, before it runs (``actions/audit.py``)."""
    employee = identity.employee
    assert employee is not None
    pending = request_audit(
        request,
        organisation_id=employee.actor.organisation_id,
        employee_id=employee.actor.employee_id,
        email=employee.employee.email,
        action=f"{route.tag}.{route.handler.__name__}",
    )
    ids = {
        name: int(raw)
        for name in route.path_params
        if (raw := request.match_info[name]).isdigit() and 0 < int(raw) <= MAX_DB_INT
    }
    pending.session_id = ids.pop("session_id", None)
    pending.device_id = ids.pop("device_id", None)
    others = [f"{name.removesuffix('_id')}:{value}" for name, value in ids.items()]
    pending.target = others[0] if others else ""
    pending.details = details_of(body.model_dump(mode="json", exclude_unset=True))
    return pending


async def _parse_body(request: web.Request, model: type[BaseModel]) -> BaseModel:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="send the body as application/json")
    settings = request.app[SETTINGS_KEY]
    if request.content_length is not None and request.content_length > settings.max_body_bytes:
        raise PayloadTooLarge(f"the body may be at most {settings.max_body_bytes} bytes")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as exc:
        raise PayloadTooLarge(f"the body may be at most {settings.max_body_bytes} bytes") from exc
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedRequest(f"the body is not valid JSON: {exc}") from exc
    return _validate(model, data)


def _parse_query(request: web.Request, model: type[BaseModel]) -> BaseModel:
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        info = model.model_fields.get(key)
        is_list = info is not None and "list" in str(info.annotation)
        data[key] = values if is_list else values[-1]
    return _validate(model, data)


def _validate(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or None
        raise InvalidInput(
            f"{location}: {first['msg']}" if location else first["msg"],
            field=location,
            data={
                "errors": [
                    {"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]}
                    for e in exc.errors(include_url=False, include_input=False)
                ]
            },
        ) from exc
