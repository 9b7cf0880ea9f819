"""Expectations of the shell, sign-in and users, grids, customers, network, work orders and Open311 (see expectations.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.security.spec import (
    EVERYONE,
    LATER,
    LATER_LOCAL,
    LATEST_LOCAL,
    MANAGERS,
    G,
    Spec,
    W,
    form,
    roles,
)
from tests.security.world import NOW, PNG

KNOWLEDGE_WRITERS = roles("admin", "supervisor", "expert")
KNOWLEDGE_READERS = EVERYONE - roles("contractor")

CORE: dict[str, Spec] = {
    # --- shell and auth --------------------------------------------------------------------
    "GET /": G(),
    "GET /api/v1/workbench": G(),
    "GET /workbench/body": G(),
    "POST /settings/locale": W(
        None, EVERYONE, body=form(locale="en", next="/"), note="each user's own setting"
    ),
    "GET /healthz": G(public=True),
    "GET /favicon.ico": G(public=True),
    "GET /readyz": G(public=True),
    "GET /events": G(stream=True),
    "GET /login": G(public=True),
    "POST /login": W(
        None,
        frozenset(),
        body=form(login="admin", password="wrong-password"),
        public=True,
        control=False,
        note="public by design; rate-limited (test_rate_limits)",
    ),
    "POST /logout": W(
        None,
        EVERYONE,
        body=form(),
        control=False,
        note="clears the caller's own cookie session; writes nothing",
    ),
    "GET /admin/users": G(),
    "POST /admin/users": W(
        None,
        roles("admin"),
        body=lambda p, w: form(
            login="newuser",
            display_name="新人",
            role="agent",
            org_unit_id=w.refs["company_e"],
            password="grid-care-9",
        ),
    ),
    "POST /admin/users/{user_id}/{action}": W(
        "user", roles("admin"), params={"action": "deactivate"}, body=form()
    ),
    "GET /api/v1/me": G(),
    "GET /api/v1/org-units": G(),
    "POST /api/v1/org-units": W(
        None,
        roles("admin"),
        body=lambda p, w: {
            "code": "NEW",
            "name": "新单位",
            "kind": "team",
            "utility": "electric",
            "parent_id": w.refs["company_e"],
        },
    ),
    "GET /api/v1/users": G(),
    "POST /api/v1/users": W(
        None,
        roles("admin"),
        body=lambda p, w: {
            "login": "newuser",
            "display_name": "新人",
            "role": "agent",
            "org_unit_id": w.refs["company_e"],
            "password": "grid-care-9",
        },
    ),
    "GET /api/v1/users/{user_id}": G("user"),
    "PATCH /api/v1/users/{user_id}": W("user", roles("admin"), body={"is_active": False}),
    "POST /api/v1/users/{user_id}/unlock": W("user", roles("admin"), body={}),
    "GET /api/v1/users/{user_id}/tokens": G("user"),
    "POST /api/v1/users/{user_id}/tokens": W(
        "user",
        roles("admin"),
        body={"name": "bridge"},
        note="the sample users are agents: an agent may also make its own",
    ),
    "DELETE /api/v1/tokens/{token_id}": W("token", roles("admin")),
    "GET /api/v1/audit": G(),
    "GET /admin/audit": G(),
    # --- grids, customers, network ---------------------------------------------------------
    "GET /api/v1/grids": G(),
    "GET /api/v1/grids/geojson": G(),
    "GET /api/v1/grids/locate": G(
        query=lambda p, w: {"lon": w.refs["lonlat_e"][0], "lat": w.refs["lonlat_e"][1]},
        relax=frozenset({"grids"}),
        note="intake locates any point of the company",
    ),
    "GET /api/v1/grids/coverage": G(),
    "POST /api/v1/grids/import": W(
        None,
        roles("admin"),
        body={
            "__form__": True,
            "org_unit_id": 1,
            "__files__": {
                "file": (
                    "g.geojson",
                    b'{"type":"FeatureCollection","features":[]}',
                    "application/geo+json",
                )
            },
        },
        control=False,
        note="an import re-assigns the whole city; tests/grids cover it",
    ),
    "GET /api/v1/grids/{grid_id}": G("grid"),
    "GET /grids": G(),
    "GET /grids/{grid_id}": G("grid"),
    "GET /network": G("asset", query=lambda p, w: {"utility": p["utility"], "code": p["code"]}),
    "GET /api/v1/customers": G(),
    "GET /api/v1/customers/lookup": G(query=lambda p, w: {"phone": w.refs["phone_w"]}),
    "GET /api/v1/customers/suggest": G(query={"address": "路"}),
    "GET /api/v1/customers/{customer_id}": G("customer"),
    "POST /api/v1/customers/import": W(
        None,
        roles("admin"),
        body={
            "__form__": True,
            "org_unit_id": 1,
            "__files__": {"file": ("c.csv", b"account,name\n", "text/csv")},
        },
        control=False,
        note="tests/customers cover imports",
    ),
    "GET /customers": G(),
    "GET /customers/{customer_id}": G("customer"),
    "GET /api/v1/network/{utility}/assets/{code}": G("asset"),
    "GET /api/v1/network/{utility}/downstream": G(
        "utility",
        query=lambda p, w: {
            "device": w.refs["device_e"] if p["utility"] == "electric" else w.refs["valve_w"]
        },
    ),
    "POST /api/v1/network/water/isolate": G(
        body=lambda p, w: {"valves": [w.refs["valve_w"]]},
        note="a read: electric staff and contractors are refused (GET …/dmas/{code} checks the same rule)",
    ),
    "GET /api/v1/network/water/dmas/{code}": G("dma"),
    # --- work orders -----------------------------------------------------------------------
    "POST /api/v1/work-orders": W(
        "customer",
        roles("admin", "supervisor", "agent", "expert", "rep"),
        body=lambda p, w: {
            "category": "consultation",
            "channel": "hotline",
            "customer_id": p["customer_id"],
            "description": "问询",
        },
        note="an order for a customer outside the caller's scope is refused",
    ),
    "GET /api/v1/work-orders": G(),
    "GET /api/v1/work-orders/answered": G(),
    "GET /api/v1/work-orders/{order_id}": G("order"),
    "POST /api/v1/work-orders/{order_id}/commands": W(
        "order",
        roles("admin", "supervisor", "agent", "expert", "rep"),
        body={"command": "add_note", "args": {"text": "已联系"}},
    ),
    "POST /api/v1/work-orders/{order_id}/links": W(
        "order",
        roles("admin", "supervisor", "agent", "expert", "rep", "department"),
        body=lambda p, w: {"other": w.refs["order_number_e1b"]},
    ),
    "POST /api/v1/work-orders/{order_id}/tasks": W(
        "order",
        roles("admin", "supervisor", "rep"),
        body=lambda p, w: {"unit_id": w.refs["dept_e"], "title": "核对表计"},
    ),
    "GET /api/v1/support-tasks": G(),
    "POST /api/v1/support-tasks/{task_id}/done": W(
        "support_task", roles("admin", "supervisor", "department"), body={"result": "已处理"}
    ),
    "POST /api/v1/support-tasks/{task_id}/confirm": W(
        "support_task",
        roles("admin", "supervisor", "rep"),
        body={"accepted": True},
        control=False,
        note="a task must be done before it is confirmed",
    ),
    "POST /api/v1/work-orders/{order_id}/questions": W(
        "order",
        roles("admin", "supervisor", "agent", "expert", "rep", "department"),
        body={"question": "怎么办？"},
    ),
    "GET /api/v1/expert-questions": G(),
    "POST /api/v1/expert-questions/{question_id}/answer": W(
        "question", roles("admin", "supervisor", "expert"), body={"answer": "这样办"}
    ),
    "POST /api/v1/work-orders/{order_id}/attachments": W(
        "order",
        roles("admin", "supervisor", "agent", "expert", "rep", "department"),
        body={"__form__": True, "__files__": {"file": ("p.png", PNG, "image/png")}},
    ),
    "GET /api/v1/work-orders/{order_id}/attachments/{attachment_id}": G("attachment"),
    "GET /api/v1/sla-policies": G(),
    "PUT /api/v1/sla-policies/{utility}/{category}/{area_class}/{step}": W(
        "utility", MANAGERS, body={"minutes": 30}
    ),
    "GET /api/v1/escalation-ladders/{utility}": G("utility"),
    "PUT /api/v1/escalation-ladders/{utility}": W(
        "utility", MANAGERS, body=[{"after_minutes": 0, "audience": "role:supervisor"}]
    ),
    "GET /api/v1/category-routes": G(),
    "PUT /api/v1/category-routes/{utility}/{category}": W(
        "utility",
        MANAGERS,
        body=lambda p, w: {
            "org_unit_id": w.refs["dept_e"] if p["utility"] == "electric" else w.refs["dept_w"]
        },
    ),
    "GET /api/v1/duty/absences": G(),
    "POST /api/v1/duty/absences": W(
        "user",
        MANAGERS,
        body=lambda p, w: {
            "user_id": p["user_id"],
            "starts_at": LATER,
            "ends_at": (NOW + timedelta(days=4)).isoformat(),
        },
    ),
    "DELETE /api/v1/duty/absences/{absence_id}": W("absence", MANAGERS),
    "GET /orders": G(),
    "POST /orders": W(
        "customer",
        roles("admin", "supervisor", "agent", "expert", "rep"),
        body=lambda p, w: form(
            category="consultation", account=w.account_of(p["customer_id"]), description="问询"
        ),
    ),
    "GET /orders/board": G(),
    "GET /orders/{order_id}": G("order"),
    "POST /orders/{order_id}/do": W(
        "order",
        roles("rep"),
        body=form(command="accept"),
        note="the sample orders are dispatched to their grid's rep, who alone accepts them",
    ),
    "POST /orders/{order_id}/link": W(
        "order",
        roles("admin", "supervisor", "agent", "expert", "rep", "department"),
        body=lambda p, w: form(other=w.refs["order_number_e1b"]),
    ),
    "GET /m": G(),
    "GET /admin/sla": G("utility", query=lambda p, w: {"utility": p["utility"]}),
    "POST /admin/sla/ladder": W(
        "utility",
        MANAGERS,
        body=lambda p, w: form(utility=p["utility"], after_minutes="0", audience="role:supervisor"),
    ),
    "POST /admin/sla/routes": W(
        "utility",
        MANAGERS,
        body=lambda p, w: form(
            utility=p["utility"],
            category="consultation",
            org_unit_id=str(w.refs["dept_e"] if p["utility"] == "electric" else w.refs["dept_w"]),
        ),
    ),
    "POST /admin/sla": W(
        "utility",
        MANAGERS,
        body=lambda p, w: form(
            utility=p["utility"], category="repair", area_class="urban", step="accept", minutes="30"
        ),
    ),
    "POST /orders/{order_id}/support": W(
        "order",
        roles("admin", "supervisor", "agent", "expert", "rep", "department", "contractor"),
        body=form(action="ask", question="怎么办？"),
        note="a department or contractor on the orders it has tasks on",
    ),
    "GET /experts": G(),
    # --- knowledge base: readers are everyone but contractors; writers keep their node's ---
    "GET /api/v1/knowledge": G(query={"q": "电费怎么算"}),
    "GET /api/v1/knowledge/topics": G(),
    "GET /api/v1/knowledge/export.csv": G(),
    "GET /api/v1/knowledge/from-question/{question_id}": G("question"),
    "GET /api/v1/knowledge/from-order/{order_id}": G("order"),
    "GET /api/v1/knowledge/answered-by-hand": G(),
    "POST /api/v1/knowledge": W(None, KNOWLEDGE_WRITERS, body={"title": "营业厅几点开门？", "body": "工作日 8:30–17:30。"}),
    "POST /api/v1/knowledge/import": W(
        None,
        KNOWLEDGE_WRITERS,
        body={"__form__": True, "__files__": {"file": ("k.csv", "标题,答案\n营业厅几点开门？,工作日 8:30–17:30。\n".encode(), "text/csv")}},
    ),
    "GET /api/v1/knowledge/{article_id}": G("knowledge_article"),
    "PUT /api/v1/knowledge/{article_id}": W("knowledge_article", KNOWLEDGE_WRITERS, body={"title": "改写的标题", "body": "改写的答案"}),
    "POST /api/v1/knowledge/{article_id}/status": W("knowledge_article", KNOWLEDGE_WRITERS, body={"status": "retired"}),
    "POST /api/v1/knowledge/{article_id}/uses": W("knowledge_article", KNOWLEDGE_READERS, body={}),
    "GET /knowledge": G(query={"q": "停电"}),
    "GET /knowledge/search": G(query={"q": "停电"}),
    "GET /knowledge/new": G(),
    "POST /knowledge": W(None, KNOWLEDGE_WRITERS, body=form(title="营业厅几点开门？", body="工作日 8:30–17:30。", action="publish")),
    "POST /knowledge/import": W(
        None,
        KNOWLEDGE_WRITERS,
        body={"__form__": True, "__files__": {"file": ("k.csv", "标题,答案\n营业厅几点开门？,工作日 8:30–17:30。\n".encode(), "text/csv")}},
    ),
    "GET /knowledge/{article_id}": G("knowledge_article"),
    "GET /knowledge/{article_id}/edit": G("knowledge_article"),
    "POST /knowledge/{article_id}/do": W(
        "knowledge_article", KNOWLEDGE_READERS, body=form(action="used"), note="publish, retire and revise are the writers'; tests/knowledge cover them"
    ),
    "GET /admin/duty": G(),
    "POST /admin/duty": W(
        "user",
        MANAGERS,
        body=lambda p, w: form(
            user_id=str(p["user_id"]), starts_at=LATER_LOCAL, ends_at=LATEST_LOCAL
        ),
    ),
    # --- Open311 (public reads; posting needs a key, not a user) ----------------------------
    "GET /open311/v2/services.{fmt}": G(public=True),
    "GET /open311/v2/services/{code}.{fmt}": G(public=True, params={"code": "repair"}),
    "POST /open311/v2/requests.{fmt}": W(
        None,
        frozenset(),
        body=form(service_code="repair", description="停电", lat="28.19", long="112.98"),
        control=False,
        note="users are refused; the key's intake is in tests/security/test_rate_limits",
    ),
    "GET /open311/v2/requests.{fmt}": G(public=True),
    "GET /open311/v2/requests/{number}.{fmt}": G("order_number", public=True),
    "GET /open311/v2/tokens/{token}.{fmt}": G("order_number", public=True),
}
