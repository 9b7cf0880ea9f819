"""Expectations of field work, contractors, campaigns, cards, arrears, analytics, alerts and planning (see expectations.py)."""

from __future__ import annotations

from datetime import timedelta

from tests.security.spec import (
    LATER,
    LATER_LOCAL,
    LATEST_LOCAL,
    MANAGERS,
    G,
    Spec,
    W,
    form,
    other,
    roles,
)
from tests.security.world import NOW


def _empty_geojson_upload(name: str):  # noqa: ANN202
    """A form posting the utility and an empty GeoJSON file: scope is judged before content."""
    return lambda p, w: {"__form__": True, "utility": p["utility"], "__files__": {"file": (name, b'{"type":"FeatureCollection","features":[]}', "application/geo+json")}}

FIELD: dict[str, Spec] = {
    # --- field work ------------------------------------------------------------------------
    "GET /api/v1/field/plans": G(),
    "POST /api/v1/field/plans": W(
        "grid",
        MANAGERS,
        body=lambda p, w: {
            "name": "巡视",
            "grid_id": p["grid_id"],
            "rrule": "FREQ=WEEKLY;BYDAY=MO",
            "kinds": ["transformer" if w.utility_of_grid(p["grid_id"]) == "electric" else "valve"],
        },
    ),
    "GET /api/v1/field/plans/{plan_id}": G("patrol_plan"),
    "PATCH /api/v1/field/plans/{plan_id}": W("patrol_plan", MANAGERS, body={"grace_days": 3}),
    "POST /api/v1/field/generate": W(
        None,
        MANAGERS,
        body={"days": 30},
        note="an idempotent run of the scheduling job over every plan",
    ),
    "GET /api/v1/field/tasks": G(),
    "GET /api/v1/field/tasks/{task_id}": G("patrol_task"),
    "POST /api/v1/field/stops/{stop_id}/check-in": W(
        "patrol_stop",
        MANAGERS | roles("rep"),
        body={"__form__": True, "checklist": "{}", "note": "ok"},
    ),
    "POST /api/v1/field/stops/{stop_id}/findings": W(
        "patrol_stop",
        MANAGERS | roles("rep"),
        body=lambda p, w: {"__form__": True, "kind": w.finding_kind(p["stop_id"]), "note": "发现"},
    ),
    "GET /api/v1/field/stops/{stop_id}/photos/{index}": G("stop_photo"),
    "GET /api/v1/field/checklists": G(),
    "PUT /api/v1/field/checklists/{kind}": W(
        None,
        MANAGERS,
        params={"kind": "transformer"},
        body={"items": ["外观"]},
        note="one checklist per asset kind for all companies (see the report)",
    ),
    "GET /api/v1/field/finding-kinds": G(),
    "PUT /api/v1/field/finding-kinds/{kind}/department": W(
        None,
        MANAGERS,
        params={"kind": "line_clearance"},
        body=lambda p, w: {
            "org_unit_id": w.refs["dept_e" if w.company_of(p["login"]) != "W" else "dept_w"]
        },
        foreign=lambda login, w: {"org_unit_id": w.refs["dept_" + other(login, w)]},
    ),
    "GET /api/v1/field/stakeholders": G(),
    "POST /api/v1/field/stakeholders": W(
        "grid",
        MANAGERS | roles("rep", "expert"),
        body=lambda p, w: {"grid_id": p["grid_id"], "kind": "village_head", "name": "村长"},
    ),
    "GET /api/v1/field/visit-rules": G(),
    "PUT /api/v1/field/visit-rules/{subject}": W(
        None,
        MANAGERS,
        params={"subject": "major"},
        body={"every_months": 2},
        note="one rhythm per subject for all companies (see the report)",
    ),
    "GET /api/v1/field/visit-plans": G(),
    "POST /api/v1/field/visit-plans/sync": W(
        None, MANAGERS, body={}, note="an idempotent run of the job"
    ),
    "GET /api/v1/field/visit-plans/{plan_id}/visits": G("visit_plan"),
    "POST /api/v1/field/visit-plans/{plan_id}/visits": W(
        "visit_plan", MANAGERS | roles("rep"), body={"contact_met": "张经理", "satisfaction": 5}
    ),
    "GET /api/v1/field/changes": G(),
    "POST /api/v1/field/changes": W(
        "customer",
        MANAGERS | roles("rep", "expert"),
        body=lambda p, w: {
            "kind": "shop_transfer",
            "customer_id": p["customer_id"],
            "payload": {"name": "新店主"},
        },
    ),
    "GET /api/v1/field/changes/{change_id}": G("data_change"),
    "POST /api/v1/field/changes/{change_id}/approve": W("data_change", MANAGERS, body={}),
    "POST /api/v1/field/changes/{change_id}/reject": W(
        "data_change", MANAGERS, body={"reason": "不符"}
    ),
    "GET /api/v1/field/watches": G(),
    "GET /api/v1/field/sent-later": G(),
    "POST /api/v1/field/watches/{watch_id}/close": W(
        "watch", MANAGERS | roles("rep", "expert"), body={}
    ),
    "GET /field": G(),
    "POST /field/generate": W(None, MANAGERS, body=form(days="30")),
    "GET /field/plans/new": G(),
    "POST /field/plans/new": W(
        "grid",
        MANAGERS,
        body=lambda p, w: form(
            name="巡视",
            grid_id=str(p["grid_id"]),
            rrule="FREQ=WEEKLY;BYDAY=MO",
            kinds="transformer" if w.utility_of_grid(p["grid_id"]) == "electric" else "valve",
        ),
    ),
    "GET /field/plans/{plan_id}": G("patrol_plan"),
    "POST /field/plans/{plan_id}": W(
        "patrol_plan",
        MANAGERS,
        body=form(
            name="改名巡视",
            rrule="FREQ=WEEKLY;BYDAY=TU",
            starts_on="2026-12-01",
            grace_days="3",
            active="on",
        ),
    ),
    "GET /field/tasks/{task_id}": G("patrol_task"),
    "GET /field/today": G(),
    "GET /field/sw.js": G(public=True),
    "POST /field/stops/{stop_id}/check-in": W(
        "patrol_stop", MANAGERS | roles("rep"), body=form(note="ok")
    ),
    "POST /field/stops/{stop_id}/finding": W(
        "patrol_stop",
        MANAGERS | roles("rep"),
        body=lambda p, w: form(kind=w.finding_kind(p["stop_id"]), note="发现"),
    ),
    "GET /field/visits": G(),
    "POST /field/visits/rules": W(None, MANAGERS, body=form(subject="major", every_months="2")),
    "GET /field/visits/{plan_id}": G("visit_plan"),
    "POST /field/visits/{plan_id}": W(
        "visit_plan", MANAGERS | roles("rep"), body=form(contact_met="张经理", satisfaction="5")
    ),
    "GET /field/stakeholders": G(),
    "POST /field/stakeholders": W(
        "grid",
        MANAGERS | roles("rep", "expert"),
        body=lambda p, w: form(grid_id=str(p["grid_id"]), kind="village_head", name="村长"),
    ),
    "GET /field/changes": G(),
    "POST /field/changes": W(
        "customer",
        MANAGERS | roles("rep", "expert"),
        body=lambda p, w: form(
            kind="shop_transfer", customer_id=str(p["customer_id"]), p_name="新店主"
        ),
    ),
    "POST /field/changes/{change_id}/review": W(
        "data_change", MANAGERS, body=form(decision="reject", reason="不符")
    ),
    "POST /field/watches/{watch_id}/close": W(
        "watch", MANAGERS | roles("rep", "expert"), body=form()
    ),
    "GET /field/settings": G(),
    "POST /field/settings/checklist": W(
        None, MANAGERS, body=form(kind="transformer", items="外观\n接地")
    ),
    "POST /field/settings/route": W(
        None,
        MANAGERS,
        body=lambda p, w: form(
            kind="line_clearance",
            org_unit_id=str(w.refs["dept_e" if w.company_of(p["login"]) != "W" else "dept_w"]),
        ),
        foreign=lambda login, w: form(
            kind="line_clearance", org_unit_id=str(w.refs["dept_" + other(login, w)])
        ),
    ),
    # --- contractors -----------------------------------------------------------------------
    "GET /api/v1/contractors/projects": G(),
    "POST /api/v1/contractors/projects": W(
        "grid",
        MANAGERS,
        body=lambda p, w: {
            "name": "水箱清洗",
            "kind": "tank_cleaning",
            "contractor_id": w.refs["contractor_unit"],
            "grid_ids": [p["grid_id"]],
            "starts_at": LATER,
            "due_at": (NOW + timedelta(days=9)).isoformat(),
            "items": ["1号水箱"],
        },
    ),
    "GET /api/v1/contractors/projects/{project_id}": G("project"),
    "POST /api/v1/contractors/projects/{project_id}/commands": W(
        "project", MANAGERS, body={"command": "start"}
    ),
    "POST /api/v1/contractors/projects/{project_id}/notify": W("project", MANAGERS, body={}),
    "POST /api/v1/contractors/projects/{project_id}/items/done": W(
        "project",
        MANAGERS | roles("rep", "contractor"),
        body=lambda p, w: {"item_ids": [w.refs["item_own"].get(p["project_id"], 0)]},
        control=False,
        note="a project must be started first: tests/contractors",
    ),
    "POST /api/v1/contractors/projects/{project_id}/logs": W(
        "project", MANAGERS | roles("rep"), body=form(note="现场检查")
    ),
    "GET /api/v1/contractors/projects/{project_id}/logs/{log_id}/photo": G("project_log"),
    "POST /api/v1/contractors/projects/{project_id}/spot-checks": W(
        "project",
        MANAGERS | roles("rep"),
        body={},
        control=False,
        note="needs completed items: tests/contractors",
    ),
    "POST /api/v1/contractors/projects/{project_id}/spot-checks/{check_id}": W(
        "spot_check", MANAGERS | roles("rep"), body={"result": "pass"}
    ),
    "POST /api/v1/contractors/projects/{project_id}/feedback": W(
        "project", MANAGERS | roles("rep"), body={"score": 5}
    ),
    "POST /api/v1/contractors/projects/{project_id}/rating": W(
        "project", MANAGERS | roles("rep"), body={"rating": 5}
    ),
    "GET /api/v1/contractors/scorecards": G(),
    "GET /contractors": G(),
    "GET /contractors/new": G(),
    "POST /contractors/new": W(
        "grid",
        MANAGERS,
        body=lambda p, w: form(
            name="水箱清洗",
            kind="tank_cleaning",
            contractor_id=str(w.refs["contractor_unit"]),
            grid_ids=str(p["grid_id"]),
            starts_at=LATER_LOCAL,
            due_at=LATEST_LOCAL,
            items="1号水箱",
        ),
    ),
    "GET /contractors/{project_id}": G("project"),
    "POST /contractors/{project_id}/do": W(
        "project", MANAGERS | roles("rep"), body=form(action="rate", rating="5")
    ),
    # --- campaigns and cards ---------------------------------------------------------------
    "GET /api/v1/campaigns": G(),
    "POST /api/v1/campaigns": W(
        "grid",
        MANAGERS | roles("rep"),
        body=lambda p, w: {
            "title": "通知",
            "text": "明日检修",
            "target": {"grid_ids": [p["grid_id"]]},
            "send_at": LATER,
        },
    ),
    "POST /api/v1/campaigns/preview": G(
        "grid",
        body=lambda p, w: {"target": {"grid_ids": [p["grid_id"]]}},
        filtered=True,
        note="a read: counts the audience the caller may reach",
    ),
    "GET /api/v1/campaigns/opt-outs": G(),
    "POST /api/v1/campaigns/opt-outs": W(
        "customer",
        MANAGERS | roles("rep", "agent"),
        body=lambda p, w: {"customer_id": p["customer_id"], "topic": "billing"},
    ),
    "DELETE /api/v1/campaigns/opt-outs/{opt_out_id}": W(
        "opt_out", MANAGERS | roles("rep", "agent")
    ),
    "POST /api/v1/campaigns/replies": W(
        None,
        MANAGERS | roles("rep", "agent"),
        body=lambda p, w: {
            "phone": w.refs["phone_e" if w.company_of(p["login"]) != "W" else "phone_w"],
            "text": "TD",
        },
        foreign=lambda login, w: {"phone": w.refs["phone_" + other(login, w)], "text": "TD"},
        filtered=True,
        note="opts out the customers on that number the caller may see",
    ),
    "GET /api/v1/campaigns/{campaign_id}": G("campaign"),
    "POST /api/v1/campaigns/{campaign_id}/send": W("campaign", MANAGERS | roles("rep"), body={}),
    "POST /api/v1/campaigns/{campaign_id}/cancel": W("campaign", MANAGERS | roles("rep"), body={}),
    "GET /campaigns": G(),
    "POST /campaigns": W(
        "grid",
        MANAGERS | roles("rep"),
        body=lambda p, w: form(
            title="通知", text="明日检修", grid_ids=str(p["grid_id"]), send_at=LATER_LOCAL
        ),
    ),
    "POST /campaigns/do": W(
        "campaign",
        MANAGERS | roles("rep"),
        body=lambda p, w: form(action="cancel", campaign_id=str(p["campaign_id"])),
    ),
    "POST /api/v1/cards/public/{token}/code": W(
        "card_token",
        frozenset(),
        body={"phone": "13912345678"},
        public=True,
        control=False,
        note="public by design (the card's QR code); limited per phone and client in cards/rules",
    ),
    "POST /api/v1/cards/public/{token}/reports": W(
        "card_token",
        frozenset(),
        body={"phone": "13912345678", "code": "000000", "description": "停电"},
        public=True,
        control=False,
        note="public by design; a wrong code is refused",
    ),
    "GET /api/v1/cards/grids": G(
        lazy_writes=True, note="makes each grid's card token on first use"
    ),
    "GET /api/v1/cards/pdf": G(lazy_writes=True, note="see GET /api/v1/cards/grids"),
    "GET /cards": G(lazy_writes=True, note="see GET /api/v1/cards/grids"),
    "GET /r/{token}": G("card_token", public=True),
    "GET /r/{token}/qr.svg": G("card_token", public=True, note="the code printed on the card"),
    "POST /r/{token}": W(
        "card_token",
        frozenset(),
        body=form(phone="13912345678", code="000000", description="停电"),
        public=True,
        control=False,
        note="public by design; a wrong code is refused",
    ),
    # --- arrears ---------------------------------------------------------------------------
    "GET /api/v1/arrears": G(),
    "POST /api/v1/arrears": W(
        "customer",
        MANAGERS,
        body=lambda p, w: {"customer_id": p["customer_id"], "amount": "120.50", "months": 2},
    ),
    "GET /api/v1/arrears/outcomes": G(),
    "GET /api/v1/arrears/{case_id}": G("arrears_case"),
    "POST /api/v1/arrears/{case_id}/follow-ups": W(
        "arrears_case", MANAGERS | roles("rep"), body={"method": "call", "note": "已提醒"}
    ),
    "POST /api/v1/arrears/{case_id}/close": W(
        "arrears_case",
        MANAGERS | roles("rep"),
        body={"outcome": "written_off", "note": "批复 2026-001"},
    ),
    "GET /arrears": G(),
    "POST /arrears": W(
        "customer",
        MANAGERS,
        body=lambda p, w: form(account=w.account_of(p["customer_id"]), amount="120.50", months="2"),
    ),
    "GET /arrears/{case_id}": G("arrears_case"),
    "POST /arrears/{case_id}/do": W(
        "arrears_case",
        MANAGERS | roles("rep"),
        body=form(action="follow_up", method="call", note="已提醒"),
    ),
    # --- analytics and alerts --------------------------------------------------------------
    "GET /api/v1/analytics/kpis": G(),
    "GET /api/v1/analytics/breakdown": G(),
    "GET /api/v1/analytics/durations": G(),
    "GET /api/v1/analytics/trend": G(),
    "GET /api/v1/analytics/map": G(),
    "GET /api/v1/analytics/orders": G(),
    "GET /api/v1/analytics/wall": G(),
    "GET /api/v1/analytics/topics": G(),
    "GET /api/v1/analytics/scorecards": G(),
    "POST /api/v1/analytics/aggregates": W(
        None,
        MANAGERS,
        body={
            "__form__": True,
            "__files__": {
                "file": (
                    "a.csv",
                    b"month,grid,supplied_m3,billed_m3,meters_due,meters_read,billed_amount,collected_amount\n",
                    "text/csv",
                )
            },
        },
        control=False,
        note="tests/analytics cover imports",
    ),
    "PUT /api/v1/analytics/ratings": W(
        "grid",
        MANAGERS,
        body=lambda p, w: {
            "month": "2026-10",
            "subject_kind": "grid",
            "subject_id": p["grid_id"],
            "rater": "departments",
            "score": 90,
        },
    ),
    "GET /api/v1/analytics/weights": G(),
    "PUT /api/v1/analytics/weights": W(
        None,
        MANAGERS,
        body={"sla_compliance": 30, "satisfaction": 20},
        note="one set of weights for all companies (left as is: see the report)",
    ),
    "POST /api/v1/analytics/snapshots": W(
        None,
        MANAGERS,
        body={"month": "2026-10", "kind": "grid"},
        control=False,
        note="the demo took this month's snapshot already",
    ),
    "GET /api/v1/analytics/snapshots": G(query={"month": "2026-10"}),
    "POST /api/v1/analytics/rollup/refresh": W(
        None, MANAGERS, body={}, note="an idempotent run of the job"
    ),
    "GET /api/v1/analytics/report": G(),
    "GET /analytics": G(),
    "GET /analytics/orders": G(),
    "GET /analytics/map-values": G(),
    "GET /analytics/wall": G(),
    "GET /analytics/topics": G(),
    "GET /analytics/wall/tiles": G(),
    "GET /analytics/scorecards": G(),
    "POST /analytics/scorecards/aggregates": W(
        None,
        MANAGERS,
        body={
            "__form__": True,
            "month": "2026-10",
            "__files__": {"file": ("a.csv", b"month,grid\n", "text/csv")},
        },
        control=False,
        note="tests/analytics cover imports",
    ),
    "POST /analytics/scorecards/ratings": W(
        "grid",
        MANAGERS,
        body=lambda p, w: form(
            month="2026-10",
            kind="grid",
            subject_id=str(p["grid_id"]),
            rater="departments",
            score="90",
        ),
    ),
    "POST /analytics/scorecards/weights": W(
        None,
        MANAGERS,
        body=form(sla_compliance="30", satisfaction="20"),
        note="see PUT /api/v1/analytics/weights",
    ),
    "POST /analytics/scorecards/snapshot": W(
        None,
        MANAGERS,
        body=form(month="2026-10", kind="grid"),
        control=False,
        note="see POST /api/v1/analytics/snapshots",
    ),
    "GET /analytics/export/{table}.{fmt}": G(params={"table": "grid", "fmt": "csv"}),
    "GET /analytics/report.{fmt}": G(params={"fmt": "xlsx"}),
    "GET /api/v1/alerts": G(),
    "GET /api/v1/alerts/open": G(),
    "POST /api/v1/alerts/scan": W(
        None,
        MANAGERS,
        body={},
        control=False,
        note="an idempotent run of the detector: nothing new to raise",
    ),
    "GET /api/v1/alerts/{alert_id}": G("alert"),
    "POST /api/v1/alerts/{alert_id}/acknowledge": W("alert", MANAGERS, body={"note": "已知"}),
    "POST /api/v1/alerts/{alert_id}/close": W("alert", MANAGERS, body={"note": "已处理"}),
    "POST /api/v1/alerts/{alert_id}/apply-tag": W(
        "alert",
        MANAGERS,
        body={},
        control=False,
        note="only repeat-complaint alerts tag a customer",
    ),
    "GET /alerts": G(),
    "GET /alerts/{alert_id}": G("alert"),
    "POST /alerts/{alert_id}/do": W(
        "alert", MANAGERS, body=form(action="acknowledge", note="已知")
    ),
    # --- planning --------------------------------------------------------------------------
    "GET /api/v1/planning/units": G(),
    "GET /api/v1/planning/units.geojson": G(
        "utility", query=lambda p, w: {"utility": p["utility"]}
    ),
    "POST /api/v1/planning/units": W(
        "utility",
        roles("admin"),
        body=_empty_geojson_upload("u.geojson"),
        control=False,
        note="tests/planning",
    ),
    "POST /api/v1/planning/units/lattice": W(
        "utility", roles("admin"), body=lambda p, w: {"utility": p["utility"], "cell_m": 2000}
    ),
    "GET /api/v1/planning/forecast": G("utility", query=lambda p, w: {"utility": p["utility"]}),
    "GET /api/v1/planning/barriers": G("utility", query=lambda p, w: {"utility": p["utility"]}),
    "POST /api/v1/planning/barriers": W(
        "utility",
        roles("admin"),
        body=_empty_geojson_upload("b.geojson"),
        control=False,
        note="tests/planning",
    ),
    "DELETE /api/v1/planning/barriers/{barrier_id}": W("barrier", roles("admin")),
    "GET /api/v1/planning/proposals": G(),
    "POST /api/v1/planning/proposals": W(
        "utility",
        roles("admin"),
        body=lambda p, w: {"utility": p["utility"], "k": 2},
        control=False,
        note="designing takes seconds: tests/planning",
    ),
    "GET /api/v1/planning/compare": G(
        "proposal", query=lambda p, w: {"ids": str(p["proposal_id"])}
    ),
    "GET /api/v1/planning/proposals/{proposal_id}.geojson": G("proposal"),
    "GET /api/v1/planning/proposals/{proposal_id}": G("proposal"),
    "POST /api/v1/planning/proposals/{proposal_id}/adopt": W(
        "proposal",
        roles("admin"),
        body={},
        control=False,
        note="re-assigns the city: tests/planning",
    ),
    "POST /api/v1/planning/proposals/{proposal_id}/discard": W("proposal", roles("admin"), body={}),
    "GET /planning": G(),
    "POST /planning/proposals": W(
        "utility",
        roles("admin"),
        body=lambda p, w: form(utility=p["utility"], by="k", k="2"),
        control=False,
        note="designing takes seconds: tests/planning",
    ),
    "POST /planning/units": W(
        "utility",
        roles("admin"),
        body=lambda p, w: form(utility=p["utility"], action="lattice", cell_m="2000"),
    ),
    "POST /planning/barriers": W(
        "barrier",
        roles("admin"),
        body=lambda p, w: form(utility="electric", delete=str(p["barrier_id"])),
    ),
    "GET /planning/proposals/{proposal_id}": G("proposal"),
    "POST /planning/proposals/{proposal_id}": W(
        "proposal", roles("admin"), body=form(action="discard")
    ),
    "GET /planning/compare": G("proposal", query=lambda p, w: {"ids": str(p["proposal_id"])}),
}
