"""Every route of the application, read from the app itself, and a request for each that
passes FastAPI's validation: path parameters from real rows, required query parameters,
and a body built from the route's declared schema (overridable per route)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel

from tests.security.world import NOW, PNG, Sample

SKIPPED_PATHS = {
    "/openapi.json",
    "/api/docs",
    "/docs/oauth2-redirect",
}  # FastAPI's own, public by design


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    dependant: Any = field(compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


def app_routes(app: FastAPI) -> list[Route]:
    found = []
    for context in iter_route_contexts(app.routes):
        if context.path in SKIPPED_PATHS or not context.methods:
            continue
        dependant = getattr(context._effective_route, "dependant", None) or getattr(
            context.original_route, "dependant", None
        )
        for method in sorted(context.methods - {"HEAD"}):
            found.append(Route(method, context.path, dependant))
    return found


def _flat(dependant: Any) -> list[Any]:
    out = [dependant]
    for sub in dependant.dependencies:
        out.extend(_flat(sub))
    return out


# Values for path and query parameters that do not name a row.
STATIC = {
    "fmt": "json",
    "category": "repair",
    "area_class": "urban",
    "step": "accept",
    "kind": "transformer",
    "subject": "major",
    "table": "orders",
    "action": "unlock",
    "index": 0,
    "lon": 112.98,
    "lat": 28.19,
    "phone": "13800000000",
    "address": "五一大道",
    "caller": "13800000000",
    "device": "F0001",
    "month": "2026-10",
    "ids": "1",
    "code": "repair",
}


def _example(schema: dict[str, Any], defs: dict[str, Any], name: str = "") -> Any:
    if "$ref" in schema:
        return _example(defs[schema["$ref"].split("/")[-1]], defs, name)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _example(options[0], defs, name) if options else None
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {
            p: _example(s, defs, p)
            for p, s in schema.get("properties", {}).items()
            if p in schema.get("required", [])
        }
    if kind == "array":
        return [
            _example(schema.get("items", {}), defs, name) for _ in range(schema.get("minItems", 0))
        ]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), int(schema.get("exclusiveMinimum", 0)) + 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "date-time":
            return (NOW + timedelta(days=2)).isoformat()
        if fmt == "date":
            return (NOW + timedelta(days=2)).date().isoformat()
        if name in STATIC:
            return str(STATIC[name])
        return "x" * max(1, int(schema.get("minLength", 1)))
    return None


def _value_for(name: str, annotation: Any) -> Any:
    if name in STATIC:
        return STATIC[name]
    text = str(annotation)
    if "int" in text:
        return 1
    if "float" in text:
        return 1.0
    if "bool" in text:
        return "false"
    if "date" in text:
        return date(2026, 11, 26).isoformat()
    return "x"


@dataclass
class Call:
    method: str
    url: str
    json: Any = None
    data: dict[str, Any] | None = None
    files: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)


def build_call(
    route: Route,
    sample: Sample | None,
    *,
    body: Any = None,
    query: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> Call:
    values = {**STATIC, **(values or {})}
    if sample is not None:
        values.update(sample.params)
    url = route.path
    for name in route.params:
        url = url.replace("{" + name + "}", str(values[name]))
    call = Call(route.method, url)
    deps = _flat(route.dependant) if route.dependant is not None else []
    for dep in deps:
        for q in dep.query_params:
            if q.field_info.is_required():
                call.params[q.alias] = values.get(q.alias, "1")
    if query:
        call.params.update(query)
    body_params = [b for dep in deps for b in dep.body_params]
    if body is not None:
        if isinstance(body, dict) and body.get("__form__"):
            call.data = {k: v for k, v in body.items() if k != "__form__"}
        else:
            call.json = body
        return call
    if route.method in ("GET", "DELETE") or not body_params:
        if route.method not in ("GET", "DELETE"):
            call.data = {}
        return call
    annotations = [b.field_info.annotation for b in body_params]
    if (
        len(body_params) == 1
        and isinstance(annotations[0], type)
        and issubclass(annotations[0], BaseModel)
    ):
        schema = annotations[0].model_json_schema()
        call.json = _example(schema, schema.get("$defs", {}))
        return call
    if len(body_params) == 1 and body_params[0].name == "body":
        call.json = [] if "list" in str(annotations[0]) else {}
        return call
    data: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for b in body_params:
        text = str(b.field_info.annotation)
        if "UploadFile" in text:
            if b.field_info.is_required():
                files[b.alias] = ("photo.png", PNG, "image/png")
            continue
        if b.field_info.is_required():
            data[b.alias] = _value_for(b.alias, b.field_info.annotation)
    call.data = data
    call.files = files or None
    return call


def send(client: Any, call: Call, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if call.json is not None:
        return client.request(
            call.method,
            call.url,
            params=call.params,
            headers=headers | {"Content-Type": "application/json"},
            content=json.dumps(call.json),
        )
    if call.data is not None and not call.data and not call.files:
        return client.request(
            call.method,
            call.url,
            params=call.params,
            headers=headers | {"Content-Type": "application/x-www-form-urlencoded"},
            content=b"",
        )
    return client.request(
        call.method, call.url, params=call.params, headers=headers, data=call.data, files=call.files
    )


def infer_kind(route: Route) -> str | None:
    """The kind of row a route's path names (see world._samples), from its parameters."""
    p, names = route.path, set(route.params)
    if "attachment_id" in names:
        return "attachment"
    if "log_id" in names:
        return "project_log"
    if "check_id" in names:
        return "spot_check"
    if "index" in names:
        return "stop_photo"
    if "task_id" in names:
        return "support_task" if "support-tasks" in p else "patrol_task"
    if "plan_id" in names:
        return "visit_plan" if "visit" in p else "patrol_plan"
    if "code" in names:
        return "asset" if "/assets/" in p else "dma" if "/dmas/" in p else None
    if "token" in names:
        return "order_number" if p.startswith("/open311/") else "card_token"
    simple = {
        "order_id": "order", "question_id": "question", "group_id": "wecom_group", "number": "order_number", "stop_id": "patrol_stop",
        "change_id": "data_change", "watch_id": "watch", "case_id": "arrears_case", "alert_id": "alert", "notification_id": "notification",
        "opt_out_id": "opt_out", "user_id": "user", "token_id": "token", "absence_id": "absence", "line_id": "line", "call_id": "call",
        "outage_id": "outage", "campaign_id": "campaign", "project_id": "project", "proposal_id": "proposal", "barrier_id": "barrier",
        "grid_id": "grid", "customer_id": "customer", "utility": "utility",
    }  # fmt: skip
    for name, kind in simple.items():
        if name in names:
            return kind
    return None
