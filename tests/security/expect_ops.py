"""Expectations of notifications, calls and outages (see expectations.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.security.spec import (
    MANAGERS,
    G,
    Spec,
    W,
    form,
    other,
    roles,
)
from tests.security.world import NOW

HANDOVER = roles("admin", "supervisor", "agent", "expert")  # who hand a shift over and take one over
EVENING = (NOW + timedelta(days=3, hours=11)).isoformat()  # after the demo roster's day shifts
LATER = (NOW + timedelta(days=2, hours=14)).isoformat()  # the world's Thursday shift stays on until 23:00


def _agent(login: str, world: object) -> int:
    """An agent of the login's own company (the admin's: the electric one)."""
    return world.refs["user"]["w_agent" if world.company_of(login) == "W" else "agent"]  # type: ignore[attr-defined]


OPS: dict[str, Spec] = {
    # --- notifications ---------------------------------------------------------------------
    "GET /api/v1/notifications": G(),
    "GET /api/v1/notifications/summary": G(),
    "GET /api/v1/notifications/groups": G(),
    "POST /api/v1/notifications/groups": W(
        "grid",
        MANAGERS,
        body=lambda p, w: {
            "grid_id": p["grid_id"],
            "name": "新群",
            "webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        },
    ),
    "PUT /api/v1/notifications/groups/{group_id}": W(
        "wecom_group",
        MANAGERS,
        body=lambda p, w: {"grid_id": w.grid_of_group(p["group_id"]), "name": "改名"},
        foreign=lambda login, w: {"grid_id": w.refs["grid_" + other(login, w)], "name": "搬家"},
    ),
    "DELETE /api/v1/notifications/groups/{group_id}": W("wecom_group", MANAGERS),
    "POST /api/v1/notifications/groups/{group_id}/test": W("wecom_group", MANAGERS, body={}),
    "GET /api/v1/notifications/campaigns": G(),
    "POST /api/v1/notifications/campaigns": W(
        "grid",
        MANAGERS,
        body=lambda p, w: {
            "grid_id": p["grid_id"],
            "text": "明日检修",
            "to_customers": True,
            "to_groups": False,
        },
    ),
    "GET /api/v1/notifications/{notification_id}": G("notification"),
    "POST /api/v1/notifications/{notification_id}/ack": W(
        "notification",
        frozenset(),
        body={},
        control=False,
        note="only a pop-up's own recipient acknowledges it",
    ),
    "POST /api/v1/notifications/{notification_id}/retry": W(
        "notification", MANAGERS, body={}, control=False, note="the samples are not dead letters"
    ),
    "GET /notifications": G(),
    "POST /notifications/{notification_id}/retry": W(
        "notification",
        MANAGERS,
        body=form(),
        control=False,
        note="the samples are not dead letters",
    ),
    "POST /notifications/{notification_id}/ack": W(
        "notification",
        frozenset(),
        body=form(),
        control=False,
        note="only a pop-up's own recipient acknowledges it",
    ),
    "GET /notifications/groups": G(),
    "POST /notifications/groups": W(
        "grid",
        MANAGERS,
        body=lambda p, w: form(
            action="save",
            grid_id=str(p["grid_id"]),
            name="新群",
            webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
            enabled="true",
        ),
    ),
    "GET /notifications/campaigns": G(),
    "POST /notifications/campaigns": W(
        "grid",
        MANAGERS,
        body=lambda p, w: form(grid_id=str(p["grid_id"]), text="明日检修", to_customers="true"),
    ),
    # --- calls -----------------------------------------------------------------------------
    "POST /api/v1/calls/events": W(
        None,
        roles("admin", "supervisor", "agent"),
        body={"call_id": "sec-1", "event": "ringing", "caller": "13900000000", "callee": "95598"},
    ),
    "GET /api/v1/calls": G(),
    "GET /api/v1/calls/route": G(query={"caller": "13900000000"}),
    "GET /api/v1/calls/stats": G(),
    "GET /api/v1/calls/staffing": G(),
    "GET /api/v1/calls/staffing/shifts": G(),
    "GET /api/v1/calls/targets": G(),
    "PUT /api/v1/calls/targets": W(
        None, MANAGERS, body={"service_level": 85},
        foreign=lambda login, w: {"company": "XC-W" if other(login, w) == "w" else "XC-E", "service_level": 85},
    ),
    "GET /api/v1/calls/roster": G(),
    "GET /api/v1/calls/roster/today": G(),
    "GET /api/v1/calls/staffing/accuracy": G(),
    "GET /api/v1/calls/appraisal": G(),
    "GET /api/v1/calls/appraisal/me": G(),
    "POST /api/v1/calls/roster/generate": W(None, MANAGERS, body={"week": "2026-11-30"}),
    "POST /api/v1/calls/roster/clear": W(None, MANAGERS, body={"week": "2026-11-23"}),
    "POST /api/v1/calls/roster/shifts": W(
        None,
        MANAGERS,
        body=lambda p, w: {"user_id": _agent(p["login"], w), "starts_at": EVENING, "hours": 4},
        foreign=lambda login, w: {"user_id": w.refs["user"]["w_agent" if other(login, w) == "w" else "agent"], "starts_at": EVENING, "hours": 4},
    ),
    "DELETE /api/v1/calls/roster/shifts/{shift_id}": W("agent_shift", MANAGERS),
    "PATCH /api/v1/calls/roster/shifts/{shift_id}": W("agent_shift", MANAGERS, body={"ends_at": LATER}),
    "GET /api/v1/calls/handovers": G(),
    "GET /api/v1/calls/handovers/draft": G(),
    "GET /api/v1/calls/handovers/waiting": G(),
    "GET /api/v1/calls/handovers/{handover_id}": G("shift_handover"),
    "POST /api/v1/calls/handovers": W(None, HANDOVER, body={"notes": "平稳"}),
    "POST /api/v1/calls/handovers/{handover_id}/receive": W("shift_handover", HANDOVER, body={}, note="the giver, or one who took it over, gets 409"),
    "GET /api/v1/calls/agents": G(),
    "PUT /api/v1/calls/agents/me/status": W(
        None,
        roles("admin", "supervisor", "agent", "expert", "viewer"),
        body={"status": "busy"},
        note="each seat's own status (needs an extension)",
    ),
    "PUT /api/v1/calls/agents/{user_id}/extension": W("user", MANAGERS, body={"extension": "8999"}),
    "GET /api/v1/calls/lines": G(),
    "POST /api/v1/calls/lines": W(
        None,
        MANAGERS,
        body=lambda p, w: {
            "number": "0731-85550000",
            "name": "新线路",
            "org_unit_id": w.refs["team_e" if w.company_of(p["login"]) != "W" else "team_w"],
        },
        foreign=lambda login, w: {
            "number": "0731-85550001",
            "name": "别家线路",
            "org_unit_id": w.refs["team_" + other(login, w)],
        },
    ),
    "PATCH /api/v1/calls/lines/{line_id}": W("line", MANAGERS, body={"active": False}),
    "GET /api/v1/calls/qa/checklist": G(),
    "POST /api/v1/calls/qa/checklists": W(
        None,
        MANAGERS,
        body={
            "code": "sec",
            "name": "质检表",
            "items": [{"key": "greeting", "label": "问候", "weight": 5}],
        },
        note="one checklist for all companies (left as is: see the report)",
    ),
    "GET /api/v1/calls/qa/queue": G(),
    "POST /api/v1/calls/qa/sample": W(
        None,
        MANAGERS,
        body={"from": (NOW - timedelta(days=30)).isoformat(), "to": NOW.isoformat(), "percent": 50},
    ),
    "GET /api/v1/calls/qa/results": G(),
    "GET /api/v1/calls/{call_id}": G("call"),
    "GET /api/v1/calls/{call_id}/card": G("call"),
    "POST /api/v1/calls/{call_id}/customer": W(
        "call",
        roles("admin", "supervisor", "agent", "expert"),
        body=lambda p, w: {"customer_id": w.customer_of_call(p["call_id"])},
    ),
    "POST /api/v1/calls/{call_id}/new-customer": W(
        "call",
        roles("admin", "supervisor", "agent", "expert"),
        body=lambda p, w: {
            "account": "NEW0001",
            "name": "新客户",
            "utility": w.utility_of_call(p["call_id"]),
        },
    ),
    "POST /api/v1/calls/{call_id}/work-order": W(
        "call",
        roles("admin", "supervisor", "agent", "expert"),
        body={"category": "consultation", "description": "问询"},
    ),
    "GET /api/v1/calls/{call_id}/qa": G("call"),
    "POST /api/v1/calls/{call_id}/qa": W(
        "call", MANAGERS, body=lambda p, w: {"scores": w.full_scores(), "comment": "好"}
    ),
    "GET /calls": G(),
    "GET /calls/stats": G(),
    "GET /calls/staffing": G(),
    "GET /calls/handover": G(),
    "GET /calls/handover/{handover_id}": G("shift_handover"),
    "POST /calls/handover": W(None, HANDOVER, body=form(notes="平稳")),
    "POST /calls/handover/{handover_id}/receive": W("shift_handover", HANDOVER, body=form()),
    "POST /calls/staffing/targets": W(
        None, MANAGERS, body=form(service_level="85"),
        foreign=lambda login, w: form(company="XC-W" if other(login, w) == "w" else "XC-E", service_level="85"),
    ),
    "GET /calls/roster": G(),
    "GET /calls/roster.csv": G(),
    "GET /calls/staffing/accuracy": G(),
    "GET /calls/appraisal": G(),
    "GET /calls/appraisal.csv": G(),
    "GET /calls/appraisal/me": G(),
    "POST /calls/roster/generate": W(None, MANAGERS, body=form(week="2026-11-30")),
    "POST /calls/roster/clear": W(None, MANAGERS, body=form(week="2026-11-23")),
    "POST /calls/roster/shifts": W(
        None,
        MANAGERS,
        body=lambda p, w: form(user_id=str(_agent(p["login"], w)), day=EVENING[:10], hour="20", hours="4"),
        foreign=lambda login, w: form(user_id=str(w.refs["user"]["w_agent" if other(login, w) == "w" else "agent"]), day=EVENING[:10], hour="20", hours="4"),
    ),
    "POST /calls/roster/shifts/{shift_id}/remove": W("agent_shift", MANAGERS, body=form(week="2026-11-23")),
    "POST /calls/roster/shifts/{shift_id}/change": W("agent_shift", MANAGERS, body=form(week="2026-11-23", ends_at=LATER)),
    "GET /calls/lines": G(),
    "POST /calls/lines": W(
        None,
        MANAGERS,
        body=lambda p, w: form(
            number="0731-85550002",
            name="新线路",
            org_unit_id=str(w.refs["team_e" if w.company_of(p["login"]) != "W" else "team_w"]),
        ),
        foreign=lambda login, w: form(
            number="0731-85550003",
            name="别家线路",
            org_unit_id=str(w.refs["team_" + other(login, w)]),
        ),
    ),
    "GET /calls/qa": G(),
    "POST /calls/qa/sample": W(
        None,
        MANAGERS,
        body=form(
            start=(NOW - timedelta(days=30)).date().isoformat(),
            end=NOW.date().isoformat(),
            percent="50",
        ),
    ),
    "GET /calls/qa/{call_id}": G("call"),
    "POST /calls/qa/{call_id}": W(
        "call",
        MANAGERS,
        body=lambda p, w: form(
            comment="好", **{f"score.{k}": str(v) for k, v in w.full_scores().items()}
        ),
    ),
    "GET /calls/{call_id}/card": G("call"),
    "GET /calls/{call_id}/search": G("call", query={"q": "路"}),
    "POST /calls/status": W(
        None,
        roles("admin", "supervisor", "agent", "expert", "viewer"),
        body=form(status="busy"),
        note="each seat's own status (needs an extension)",
    ),
    "POST /calls/{call_id}/customer": W(
        "call",
        roles("admin", "supervisor", "agent", "expert"),
        body=lambda p, w: form(customer_id=str(w.customer_of_call(p["call_id"]))),
    ),
    "POST /calls/{call_id}/new-customer": W(
        "call",
        roles("admin", "supervisor", "agent", "expert"),
        body=lambda p, w: form(
            account="NEW0002", name="新客户", utility=w.utility_of_call(p["call_id"])
        ),
    ),
    "POST /calls/{call_id}/order": W(
        "call",
        roles("admin", "supervisor", "agent", "expert"),
        body=form(category="consultation", description="问询"),
    ),
    "GET /calls/{call_id}/recording": G("call"),
    # --- outages ---------------------------------------------------------------------------
    "GET /api/v1/outages": G(
        relax=frozenset({"grids"}), note="an outage the rep's team owns lists every grid it darkens"
    ),
    "POST /api/v1/outages": W(
        "utility",
        roles("admin", "supervisor", "expert"),
        body=lambda p, w: {
            "utility": p["utility"],
            "kind": "unplanned",
            "devices": [w.refs["device_e"] if p["utility"] == "electric" else w.refs["valve_w"]],
            "cause": "故障",
        },
    ),
    "GET /api/v1/outages/map": G(relax=frozenset({"grids"}), note="see GET /api/v1/outages"),
    "GET /api/v1/outages/calendar": G(query={"month": "2026-11"}, relax=frozenset({"grids"})),
    "GET /api/v1/outages/{outage_id}": G("outage", relax=frozenset({"grids"})),
    "PATCH /api/v1/outages/{outage_id}": W(
        "outage", roles("admin", "supervisor", "expert"), body={"cause": "改了原因"}
    ),
    "POST /api/v1/outages/{outage_id}/restore": W(
        "outage",
        roles("admin", "supervisor", "expert"),
        body={},
        control=False,
        note="the samples are not active yet",
    ),
    "POST /api/v1/outages/{outage_id}/split": W(
        "outage",
        roles("admin", "supervisor", "expert"),
        body={"devices": ["A", "B"], "reason": "x"},
        control=False,
        note="only a predicted outage splits: tests/outages",
    ),
    "POST /api/v1/outages/{outage_id}/rehome": W(
        "outage",
        roles("admin", "supervisor", "expert"),
        body={"device": "A", "reason": "x"},
        control=False,
        note="only a predicted outage moves: tests/outages",
    ),
    "POST /api/v1/outages/{outage_id}/release": W(
        "outage",
        roles("admin", "supervisor", "expert"),
        body={"order_ids": [1], "reason": "x"},
        control=False,
        note="tests/outages",
    ),
    "POST /api/v1/outages/{outage_id}/confirm": W(
        "outage", roles("admin", "supervisor", "expert"), body={}
    ),
    "POST /api/v1/outages/{outage_id}/cancel": W(
        "outage", roles("admin", "supervisor", "expert"), body={"reason": "取消"}
    ),
    "GET /api/v1/outages/{outage_id}/customers": G("outage", relax=frozenset({"grids"})),
    "GET /api/v1/outages/{outage_id}/calls": G("outage", relax=frozenset({"grids"})),
    "POST /api/v1/outages/{outage_id}/calls": W(
        "outage",
        roles("admin", "supervisor", "agent", "expert", "rep"),
        body=lambda p, w: {
            "task_id": w.refs["outage_task"].get(p["outage_id"], 0),
            "state": "reached",
        },
        control=False,
        note="call tasks exist for some outages only",
    ),
    "GET /outages": G(relax=frozenset({"grids"})),
    "GET /outages/new": G(),
    "POST /outages/new": W(
        "utility",
        roles("admin", "supervisor", "expert"),
        body=lambda p, w: form(
            utility=p["utility"],
            kind="unplanned",
            devices=w.refs["device_e"] if p["utility"] == "electric" else w.refs["valve_w"],
            cause="故障",
        ),
    ),
    "GET /outages/calendar": G(relax=frozenset({"grids"})),
    "GET /outages/{outage_id}": G("outage", relax=frozenset({"grids"})),
    "POST /outages/{outage_id}/do": W(
        "outage", roles("admin", "supervisor", "expert"), body=form(action="cancel")
    ),
}
