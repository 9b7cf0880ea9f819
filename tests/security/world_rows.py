"""The rows of the security world: what the demo lacks (one row per scope of every kind a
path can name), the sample rows the matrix points paths at, and ids request bodies name."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from shapely.geometry import box
from sqlalchemy import text

from gridcare.auth import service as auth
from gridcare.auth.rules import RecordScope
from gridcare.config import Settings
from gridcare.core.clock import FixedClock
from gridcare.core.principal import system_principal
from gridcare.db import Database
from tests.security.world import ELECTRIC, PNG, WATER, Sample, World, grid_marker
from tests.security.world import first as _first


def supplement(db: Database, settings: Settings, clock: FixedClock) -> str:
    """Rows of the kinds the demo leaves empty or to one company, one per scope."""
    from gridcare.campaigns import service as campaigns
    from gridcare.cards import service as cards
    from gridcare.contractors import service as contractors
    from gridcare.field import changes
    from gridcare.notify import groups
    from gridcare.open311 import service as open311
    from gridcare.outages import service as outages
    from gridcare.planning import service as planning
    from gridcare.planning.files import BarrierRow
    from gridcare.workorders import duty, support

    actor = system_principal("test")
    now = clock.now()
    with db.write() as session:
        grid_e1, grid_e2 = (
            r[0]
            for r in session.execute(
                text("SELECT id FROM grids WHERE utility='electric' ORDER BY id LIMIT 2")
            )
        )
        grid_w = session.execute(
            text("SELECT id FROM grids WHERE utility='water' ORDER BY id LIMIT 1")
        ).scalar_one()
        unit = {code: uid for uid, code in session.execute(text("SELECT id, code FROM org_units"))}
        user = {login: uid for uid, login in session.execute(text("SELECT id, login FROM users"))}
        orders = {
            g: _first(
                session,
                "SELECT id FROM work_orders WHERE grid_id=:g AND status NOT IN ('closed') ORDER BY id",
                g=g,
            )[0]
            for g in (grid_e1, grid_e2, grid_w)
        }
        for g, dept in ((grid_e1, "XC-E-MKT"), (grid_e2, "XC-E-MKT"), (grid_w, "XC-W-NET")):
            support.add_task(
                session,
                actor=actor,
                now=now,
                order_id=orders[g],
                unit_id=unit[dept],
                title="核对表计",
                due_minutes=240,
            )
            support.ask_expert(
                session, actor=actor, now=now, order_id=orders[g], question="如何处理？"
            )
            support.add_attachment(
                session,
                actor=actor,
                now=now,
                order_id=orders[g],
                filename="photo.png",
                data=PNG,
                data_dir=settings.data_dir,
            )
        for login in ("rep", "rep001", "w_rep"):
            duty.add_absence(
                session,
                actor=actor,
                now=now,
                user_id=user[login],
                starts_at=now + timedelta(days=2),
                ends_at=now + timedelta(days=3),
                reason="年假",
            )
        for g in (grid_e1, grid_e2, grid_w):
            groups.save_group(
                session,
                actor=actor,
                now=now,
                grid_id=g,
                name="网格群",
                webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-webhook-key",
            )
            cards.token_for(session, grid_id=g, now=now)
        for utility in ("electric", "water"):
            planning.add_barriers(
                session,
                actor=actor,
                now=now,
                utility=utility,
                rows=[
                    BarrierRow(name="铁路", kind="river", geometry=box(112.9, 28.1, 112.91, 28.2))
                ],
            )
        water_node = _first(
            session, "SELECT code FROM assets WHERE utility='water' AND kind='valve' ORDER BY id"
        )
        if (
            session.execute(text("SELECT count(*) FROM outages WHERE utility='water'")).scalar_one()
            == 0
            and water_node is not None
        ):
            outages.create_outage(
                session,
                actor=actor,
                now=now,
                utility="water",
                kind="planned",
                devices=[water_node[0]],
                starts_at=now + timedelta(days=3),
                ends_at=now + timedelta(days=3, hours=4),
                cause="换阀",
                area="天心区",
            )
        water_customer = _first(
            session, "SELECT id FROM customers WHERE grid_id=:g ORDER BY id", g=grid_w
        )[0]
        if (
            session.execute(
                text("SELECT count(*) FROM arrears_cases WHERE utility='water'")
            ).scalar_one()
            == 0
        ):
            from gridcare.arrears import service as arrears

            arrears.open_case(
                session,
                actor=actor,
                now=now,
                customer_id=water_customer,
                amount_fen=12000,
                months=3,
                reason="欠费",
            )
        other = auth.create_org_unit(
            session,
            actor=actor,
            now=now,
            code="HC2",
            name="另一施工单位",
            kind="contractor",
            utility="electric",
        )
        contractors.create_project(
            session,
            actor=actor,
            now=now,
            name="电表轮换",
            kind="meter_replacement",
            contractor_id=other.id,
            grid_ids=[grid_e1],
            starts_at=now + timedelta(days=1),
            due_at=now + timedelta(days=9),
            customers_as_items=True,
        )
        contractors.create_project(
            session,
            actor=actor,
            now=now,
            name="线路清障",
            kind="meter_replacement",
            contractor_id=unit["HC"],
            grid_ids=[grid_e2],
            starts_at=now + timedelta(days=1),
            due_at=now + timedelta(days=9),
            customers_as_items=True,
        )
        for login, g in (("supervisor", grid_e2), ("w_supervisor", grid_w)):
            boss = auth.principal_for(session, user=auth.find_user_by_login(session, login=login))  # type: ignore[arg-type]
            campaigns.create_campaign(
                session,
                actor=boss,
                now=now,
                title="用电安全",
                text="请注意安全",
                target={"grid_ids": [g]},
                send_at=now + timedelta(days=5),
            )
        electric_customer = _first(
            session, "SELECT id FROM customers WHERE grid_id=:g ORDER BY id", g=grid_e1
        )[0]
        campaigns.opt_out(session, actor=actor, now=now, customer_id=electric_customer, via="phone")
        campaigns.opt_out(session, actor=actor, now=now, customer_id=water_customer, via="phone")
        for g, utility in ((grid_e1, "electric"), (grid_e2, "electric"), (grid_w, "water")):
            cust = _first(
                session, "SELECT id, lon, lat FROM customers WHERE grid_id=:g ORDER BY id", g=g
            )
            change = changes.submit(
                session,
                actor=actor,
                now=now,
                kind="road_works",
                payload={"description": "道路施工"},
                utility=utility,
                lon=cust[1],
                lat=cust[2],
            )
            changes.open_watch(session, actor=actor, now=now, change=change, near=[])
        # One shift on each company's roster, on Thursday of this week.
        from gridcare.calls import rosters

        for login in ("agent", "w_agent"):
            rosters.add_shift(session, actor=actor, now=now, user_id=user[login], starts_at=now + timedelta(days=2, hours=11), hours=2)  # 20:00, after the demo roster's day shift
        # One shift handover in each company, newer than the demo's, given by somebody other
        # than its agents (who take it over in the matrix).
        from gridcare.calls import handovers

        for login in ("expert", "w_supervisor"):
            giver = auth.principal_for(session, user=auth.find_user_by_login(session, login=login))  # type: ignore[arg-type]
            handovers.give(session, actor=giver, now=now, notes="夜班平稳", follow_ups=[])
        return open311.create_key(session, now=now, name="city-portal")


def samples(world: World) -> dict[str, list[Sample]]:
    """For each kind of row a path names, one row in the electric rep's grid ("own"), one in
    another electric grid ("grid") and one of the water company ("company"), where they exist."""
    out: dict[str, list[Sample]] = {}
    with world.db.read() as session:
        grid_e1, grid_e2 = (
            r[0]
            for r in session.execute(
                text("SELECT id FROM grids WHERE utility='electric' ORDER BY id LIMIT 2")
            )
        )
        grid_w = session.execute(
            text("SELECT id FROM grids WHERE utility='water' ORDER BY id LIMIT 1")
        ).scalar_one()
        rep_grids = world.principals["rep"].grid_ids
        assert grid_e1 in rep_grids and grid_e2 not in rep_grids, (
            "the demo's rep should answer for the first electric grid only"
        )
        slots = (("own", grid_e1), ("grid", grid_e2), ("company", grid_w))

        def gridded(kind: str, sql: str, names: tuple[str, ...], contractor: bool = False) -> None:
            rows = []
            for label, gid in slots:
                row = _first(session, sql, g=gid)
                if row is None:
                    continue
                params = dict(zip(names, row[: len(names)], strict=True))
                scope = RecordScope(
                    org_path=row[len(names)],
                    grid_id=gid,
                    gridded=True,
                    contractor_id=row[len(names) + 1] if contractor else None,
                )
                rows.append(Sample(label, params, scope))
            out[kind] = rows

        def company(kind: str, sql: str, names: tuple[str, ...], contractor: bool = False) -> None:
            rows = []
            for label, path in (
                ("own", world.company_paths["E"]),
                ("company", world.company_paths["W"]),
            ):
                row = _first(session, sql, p=path + "%")
                if row is None:
                    continue
                params = dict(zip(names, row[: len(names)], strict=True))
                rows.append(
                    Sample(
                        label,
                        params,
                        RecordScope(
                            org_path=row[len(names)],
                            contractor_id=row[len(names) + 1] if contractor else None,
                        ),
                    )
                )
            out[kind] = rows

        company("agent_shift", "SELECT id, org_path FROM agent_shifts WHERE org_path LIKE :p ORDER BY id DESC", ("shift_id",))  # the world's Thursday shift
        company("shift_handover", "SELECT id, org_path FROM shift_handovers WHERE org_path LIKE :p ORDER BY id DESC", ("handover_id",))
        gridded("grid", "SELECT id, org_path FROM grids WHERE id=:g", ("grid_id",))
        gridded(
            "customer",
            "SELECT id, org_path FROM customers WHERE grid_id=:g ORDER BY id",
            ("customer_id",),
        )
        gridded(
            "order",
            "SELECT id, org_path FROM work_orders WHERE grid_id=:g AND status != 'closed' ORDER BY id",
            ("order_id",),
        )
        gridded(
            "order_number",
            "SELECT number, number, org_path FROM work_orders WHERE grid_id=:g ORDER BY id",
            ("number", "token"),
        )
        gridded(
            "support_task",
            "SELECT t.id, o.org_path FROM work_order_tasks t JOIN work_orders o ON o.id=t.order_id WHERE o.grid_id=:g",
            ("task_id",),
        )
        gridded(
            "question",
            "SELECT q.id, o.org_path FROM work_order_questions q JOIN work_orders o ON o.id=q.order_id WHERE o.grid_id=:g",
            ("question_id",),
        )
        gridded(
            "attachment",
            "SELECT a.order_id, a.id, o.org_path FROM work_order_attachments a JOIN work_orders o ON o.id=a.order_id WHERE o.grid_id=:g",
            ("order_id", "attachment_id"),
        )
        gridded(
            "wecom_group",
            "SELECT w.id, g.org_path FROM notify_wecom_groups w JOIN grids g ON g.id=w.grid_id WHERE w.grid_id=:g",
            ("group_id",),
        )
        gridded(
            "card_token",
            "SELECT t.token, g.org_path FROM card_grid_tokens t JOIN grids g ON g.id=t.grid_id WHERE t.grid_id=:g",
            ("token",),
        )
        gridded(
            "patrol_plan",
            "SELECT id, org_path FROM field_patrol_plans WHERE grid_id=:g ORDER BY id",
            ("plan_id",),
        )
        gridded(
            "patrol_task",
            "SELECT id, org_path FROM field_patrol_tasks WHERE grid_id=:g ORDER BY id",
            ("task_id",),
        )
        gridded(
            "patrol_stop",
            "SELECT s.id, t.org_path FROM field_patrol_stops s JOIN field_patrol_tasks t ON t.id=s.task_id WHERE t.grid_id=:g AND t.status = 'open' AND s.status = 'pending' ORDER BY s.id",
            ("stop_id",),
        )
        gridded(
            "stop_photo",
            "SELECT s.id, 0, t.org_path FROM field_patrol_stops s JOIN field_patrol_tasks t ON t.id=s.task_id WHERE t.grid_id=:g ORDER BY s.id",
            ("stop_id", "index"),
        )
        gridded(
            "visit_plan",
            "SELECT id, org_path FROM field_visit_plans WHERE grid_id=:g ORDER BY id",
            ("plan_id",),
        )
        gridded(
            "data_change",
            "SELECT id, org_path FROM field_data_changes WHERE grid_id=:g ORDER BY id",
            ("change_id",),
        )
        gridded(
            "watch",
            "SELECT id, org_path FROM field_watches WHERE grid_id=:g ORDER BY id",
            ("watch_id",),
        )
        gridded(
            "arrears_case",
            "SELECT id, org_path FROM arrears_cases WHERE grid_id=:g ORDER BY id",
            ("case_id",),
        )
        gridded(
            "alert", "SELECT id, org_path FROM alerts WHERE grid_id=:g ORDER BY id", ("alert_id",)
        )
        gridded(
            "notification",
            "SELECT id, org_path FROM notifications WHERE grid_id=:g ORDER BY id",
            ("notification_id",),
        )
        gridded(
            "opt_out",
            "SELECT o.id, c.org_path FROM campaign_opt_outs o JOIN customers c ON c.id=o.customer_id WHERE c.grid_id=:g",
            ("opt_out_id",),
        )
        gridded(
            "asset",
            "SELECT utility, code, (SELECT org_path FROM grids WHERE id=:g) FROM assets WHERE grid_id=:g ORDER BY id",
            ("utility", "code"),
        )
        out["asset"] = [
            Sample(
                s.label,
                s.params,
                RecordScope(
                    org_path=world.company_paths["W" if s.params["utility"] == "water" else "E"]
                ),
                utility_wide=True,
            )
            for s in out["asset"]
        ]
        # Users outside the matrix's logins: acting on oneself (one's own token) is another rule.
        company(
            "user",
            "SELECT id, org_path FROM users WHERE org_path LIKE :p AND login IN ('agent2', 'wrep02') ORDER BY id",
            ("user_id",),
        )
        company(
            "token",
            "SELECT t.id, u.org_path FROM api_tokens t JOIN users u ON u.id=t.user_id WHERE u.org_path LIKE :p AND u.login IN ('agent2', 'wrep02') ORDER BY t.id",
            ("token_id",),
        )
        company(
            "absence",
            "SELECT a.id, u.org_path FROM off_duty a JOIN users u ON u.id=a.user_id WHERE u.org_path LIKE :p ORDER BY a.id",
            ("absence_id",),
        )
        company(
            "line",
            "SELECT id, org_path FROM local_repair_lines WHERE org_path LIKE :p ORDER BY id",
            ("line_id",),
        )
        company(
            "call",
            "SELECT id, org_path FROM call_records WHERE org_path LIKE :p AND answered_at IS NOT NULL ORDER BY id",
            ("call_id",),
        )
        company(
            "outage",
            "SELECT id, org_path FROM outages WHERE org_path LIKE :p ORDER BY id",
            ("outage_id",),
        )
        company(
            "campaign",
            "SELECT id, org_path FROM campaigns WHERE org_path LIKE :p ORDER BY id",
            ("campaign_id",),
        )
        company(
            "project",
            "SELECT id, org_path, contractor_id FROM contractor_projects WHERE org_path LIKE :p ORDER BY id",
            ("project_id",),
            contractor=True,
        )
        company(
            "project_log",
            "SELECT l.project_id, l.id, p.org_path, p.contractor_id FROM contractor_logs l JOIN contractor_projects p ON p.id=l.project_id WHERE p.org_path LIKE :p",
            ("project_id", "log_id"),
            contractor=True,
        )
        company(
            "spot_check",
            "SELECT c.project_id, c.id, p.org_path, p.contractor_id FROM contractor_spot_checks c JOIN contractor_projects p ON p.id=c.project_id WHERE p.org_path LIKE :p",
            ("project_id", "check_id"),
            contractor=True,
        )

        # An article serves its node and all below it: seen as the network is, in or above.
        company(
            "knowledge_article",
            "SELECT id, org_path FROM knowledge_articles WHERE org_path LIKE :p AND status = 'published' ORDER BY id",
            ("article_id",),
        )
        out["knowledge_article"] = [replace(s, utility_wide=True) for s in out["knowledge_article"]]

        def per_utility(param: str, sql: str | None) -> list[Sample]:
            """One utility-wide sample per company: the electric one is "own", the water one
            "company"; ``sql`` finds the row (none: the utility itself is the parameter)."""
            found = []
            for label, utility, key in (("own", "electric", "E"), ("company", "water", "W")):
                row = (utility,) if sql is None else _first(session, sql, u=utility)
                if row is not None:
                    found.append(Sample(label, {param: row[0]}, RecordScope(org_path=world.company_paths[key]), True))
            return found

        out["utility"] = per_utility("utility", None)
        out["proposal"] = per_utility("proposal_id", "SELECT id FROM planning_proposals WHERE utility=:u")
        out["barrier"] = per_utility("barrier_id", "SELECT id FROM planning_barriers WHERE utility=:u")
        # DMAs are water's only.
        out["dma"] = per_utility("code", "SELECT code FROM dmas WHERE :u = 'water' ORDER BY id")
    return out


def extra_visible(world: World) -> dict[str, set[str]]:
    """Markers some principals see by design beyond ``can_see``: a contractor sees the grids of
    the projects assigned to it; a department the orders it has support tasks on."""
    extra: dict[str, set[str]] = {}
    with world.db.read() as session:
        contractor = world.principals["contractor"]
        rows = session.execute(
            text(
                "SELECT DISTINCT g.grid_id FROM contractor_project_grids g JOIN contractor_projects p ON p.id=g.project_id WHERE p.contractor_id=:c"
            ),
            {"c": contractor.org_unit_id},
        )
        extra["contractor"] = {grid_marker(r[0]) for r in rows}
        paths = [
            r[0]
            for r in session.execute(
                text("SELECT org_path FROM contractor_projects WHERE contractor_id=:c"),
                {"c": contractor.org_unit_id},
            )
        ]
        extra["contractor"] |= {
            marker
            for marker, key in ((ELECTRIC, "E"), (WATER, "W"))
            if any(p.startswith(world.company_paths[key]) for p in paths)
        }
        department = world.principals["department"]
        rows = session.execute(
            text(
                "SELECT DISTINCT o.grid_id FROM work_order_tasks t JOIN work_orders o ON o.id=t.order_id WHERE t.unit_id=:u AND o.grid_id IS NOT NULL"
            ),
            {"u": department.org_unit_id},
        )
        extra["department"] = {grid_marker(r[0]) for r in rows}
    return extra


def refs(world: World) -> dict[str, Any]:
    """Ids and codes of rows that request bodies name, per company ("_e" electric, "_w" water)."""
    refs: dict[str, Any] = {}
    with world.db.read() as session:
        unit = {code: uid for uid, code in session.execute(text("SELECT id, code FROM org_units"))}
        user = {login: uid for uid, login in session.execute(text("SELECT id, login FROM users"))}
        refs |= {
            "dept_e": unit["XC-E-MKT"],
            "dept_w": unit["XC-W-NET"],
            "team_e": unit["XC-E-FR-WY-T1"],
            "team_w": unit["XC-W-TX-T1"],
            "company_e": unit["XC-E"],
            "company_w": unit["XC-W"],
        }
        refs |= {"contractor_unit": unit["HC"], "user": user}
        grid_e1, grid_e2 = (
            r[0]
            for r in session.execute(
                text("SELECT id FROM grids WHERE utility='electric' ORDER BY id LIMIT 2")
            )
        )
        grid_w = session.execute(
            text("SELECT id FROM grids WHERE utility='water' ORDER BY id LIMIT 1")
        ).scalar_one()
        refs |= {"grid_e": grid_e1, "grid_e2": grid_e2, "grid_w": grid_w}
        for key, gid in (("e", grid_e1), ("w", grid_w)):
            cid, account, lon, lat = _first(
                session,
                "SELECT id, account, lon, lat FROM customers WHERE grid_id=:g ORDER BY id",
                g=gid,
            )
            refs[f"customer_{key}"], refs[f"account_{key}"], refs[f"lonlat_{key}"] = (
                cid,
                account,
                (lon, lat),
            )
        for key, gid in (("e", grid_e1), ("w", grid_w)):
            # A number only this grid's customers have (households often share one across utilities).
            refs[f"phone_{key}"] = _first(
                session,
                "SELECT p.e164 FROM customer_phones p JOIN customers c ON c.id=p.customer_id GROUP BY p.e164 HAVING min(coalesce(c.grid_id, 0))=:g AND max(coalesce(c.grid_id, 0))=:g ORDER BY p.e164",
                g=gid,
            )[0]
        refs["device_e"] = _first(
            session,
            "SELECT code FROM assets WHERE utility='electric' AND kind='transformer' AND grid_id=:g ORDER BY id",
            g=grid_e1,
        )[0]
        refs["valve_w"] = _first(
            session, "SELECT code FROM assets WHERE utility='water' AND kind='valve' ORDER BY id"
        )[0]
        refs["line_e"] = _first(
            session,
            "SELECT id FROM local_repair_lines WHERE org_path LIKE :p ORDER BY id",
            p=world.company_paths["E"] + "%",
        )[0]
        refs["item_own"] = {
            pid: iid
            for pid, iid in session.execute(
                text("SELECT project_id, min(id) FROM contractor_items GROUP BY project_id")
            )
        }
        refs["outage_task"] = {
            oid: tid
            for oid, tid in session.execute(
                text("SELECT outage_id, min(id) FROM outage_call_tasks GROUP BY outage_id")
            )
        }
        refs["order_number_e1b"] = _first(
            session, "SELECT number FROM work_orders WHERE grid_id=:g ORDER BY id DESC", g=grid_e1
        )[0]
    return refs
