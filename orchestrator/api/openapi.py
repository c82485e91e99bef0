"""The OpenAPI 3.1 document, built from the route table, and a readable HTML page.

The docs page is rendered on the server from the same document, with its styles
inline: nothing is loaded from a CDN.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from orchestrator.api.identity import CSRF_HEADER, SESSION_COOKIE
from orchestrator.api.problems import Problem
from orchestrator.api.routing import Route

REF = "#/components/schemas/{model}"


def _collect_models(routes: list[Route]) -> list[type[BaseModel]]:
    models: list[type[BaseModel]] = [Problem]
    for route in routes:
        for model in (route.body, route.query):
            if model is not None and model not in models:
                models.append(model)
    return models


def _response_schema(annotation: Any, defs: dict[str, Any]) -> dict[str, Any]:
    schema = TypeAdapter(annotation).json_schema(ref_template=REF, mode="serialization")
    defs.update(schema.pop("$defs", {}))
    return schema


def build_openapi(routes: list[Route], *, title: str, version: str) -> dict[str, Any]:
    _, top = models_json_schema(
        [(m, "validation") for m in _collect_models(routes)], ref_template=REF
    )
    defs: dict[str, Any] = dict(top.get("$defs", {}))
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = _openapi_path(route.path)
        operation: dict[str, Any] = {
            "summary": route.summary,
            "tags": [route.tag],
            "operationId": f"{route.method.lower()}_{route.handler.__name__.strip('_')}_{route.tag.replace(' ', '_')}",
            "parameters": _parameters(route, defs),
            "responses": _responses(route, defs),
        }
        if route.auth == "employee":
            operation["security"] = [{"cookie": [], "csrf": []}]
        elif route.auth == "code_user":
            operation["security"] = [{"codeUserToken": []}]
        else:
            operation["security"] = []
        if route.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": REF.format(model=route.body.__name__)}}
                },
            }
        paths.setdefault(path, {})[route.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": "Fernblick's REST API. Errors are RFC 9457 problem documents.",
        },
        "paths": paths,
        "components": {
            "schemas": defs,
            "securitySchemes": {
                "cookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
                "csrf": {"type": "apiKey", "in": "header", "name": CSRF_HEADER},
                "codeUserToken": {"type": "http", "scheme": "bearer"},
            },
        },
    }


def _openapi_path(path: str) -> str:
    return re.sub(r"{(\w+):[^}]*}", r"{\1}", path)


def _parameters(route: Route, defs: dict[str, Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1},
        }
        for name in route.path_params
    ]
    if route.query is not None:
        schema = route.query.model_json_schema(ref_template=REF)
        defs.update(schema.pop("$defs", {}))
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            param: dict[str, Any] = {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": prop,
            }
            if prop.get("type") == "array":
                param["style"] = "form"
                param["explode"] = True
            params.append(param)
    if route.method != "GET" and "If-Match" in _if_match_routes(route):
        params.append(
            {
                "name": "If-Match",
                "in": "header",
                "required": False,
                "schema": {"type": "string", "pattern": r'^"[0-9]{1,9}"$'},
                "description": "The session version you saw; a stale one gets 409.",
            }
        )
    return params


def _if_match_routes(route: Route) -> set[str]:
    versioned = (
        "/confirm",
        "/cancel",
        "/reopen",
        "/status",
        "/visibility",
        "/responsible",
        "/withdraw",
    )
    return (
        {"If-Match"} if route.path.endswith(versioned) or "/responsible/" in route.path else set()
    )


def _responses(route: Route, defs: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if route.status == 204 or (route.response is None and route.content_type is None):
        responses[str(route.status)] = {"description": "Done"}
    elif route.content_type is not None:
        responses[str(route.status)] = {
            "description": "OK",
            "content": {route.content_type: {"schema": {"type": "string"}}},
        }
    else:
        content = {"application/json": {"schema": _response_schema(route.response, defs)}}
        responses[str(route.status)] = {"description": "OK", "content": content}
        for status, why in route.other_statuses:
            responses[str(status)] = {"description": why, "content": content}
    problem = {
        "content": {"application/problem+json": {"schema": {"$ref": REF.format(model="Problem")}}}
    }
    for code in route.errors:
        responses[str(code)] = {"description": _ERROR_TEXT.get(code, "Error"), **problem}
    return responses


_ERROR_TEXT = {
    400: "Malformed request",
    401: "Not authenticated",
    403: "Permission denied or CSRF token missing",
    404: "Not found",
    409: "Conflict (stale version or status change not allowed)",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests (rate limit); see Retry-After",
    503: "A backing service is unavailable",
}


DOCS_CSS = (
    "body{font-family:system-ui,sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem;color:#1d2330}"
    "h2{border-bottom:1px solid #ccd;margin-top:2.5rem}details{margin:.4rem 0;border:1px solid #dde;border-radius:6px;padding:.4rem .8rem}"
    "summary{cursor:pointer}code,pre{font-family:ui-monospace,monospace;font-size:.85rem}"
    "pre{background:#f4f5f8;padding:.6rem;overflow:auto}.m{display:inline-block;width:4.5rem;font-weight:700}"
    ".get{color:#0a6}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c22}"
)
"""The documentation page's stylesheet, served at ``/api/docs.css`` (the CSP allows
no inline style)."""


def render_docs(document: dict[str, Any]) -> str:
    """A self-contained HTML page describing every operation and schema."""
    out = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{html.escape(document['info']['title'])}</title>",
        "<link rel='stylesheet' href='/api/docs.css'></head><body>",
        f"<h1>{html.escape(document['info']['title'])} <small>{html.escape(document['info']['version'])}</small></h1>",
        f"<p>{html.escape(document['info']['description'])} Machine-readable: <a href='/api/openapi.json'>/api/openapi.json</a>.</p>",
    ]
    by_tag: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for path, operations in document["paths"].items():
        for method, op in operations.items():
            by_tag.setdefault(op["tags"][0], []).append((method, path, op))
    for tag, ops in by_tag.items():
        out.append(f"<h2>{html.escape(tag)}</h2>")
        for method, path, op in ops:
            out.append(
                f"<details><summary><span class='m {method}'>{method.upper()}</span>"
                f"<code>{html.escape(path)}</code> — {html.escape(op['summary'])}</summary>"
                f"<pre>{html.escape(json.dumps({k: op[k] for k in op if k != 'tags'}, indent=2))}</pre></details>"
            )
    out.append("<h2>Schemas</h2>")
    for name, schema in document["components"]["schemas"].items():
        out.append(
            f"<details id='{html.escape(name)}'><summary><code>{html.escape(name)}</code></summary>"
            f"<pre>{html.escape(json.dumps(schema, indent=2))}</pre></details>"
        )
    out.append("</body></html>")
    return "".join(out)
