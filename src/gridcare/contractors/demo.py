"""Demo contractor projects: a finished tank cleaning with its spot checks, feedback and
rating, a meter replacement under way, and a pipe job next week. Deterministic per seed."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from gridcare.auth.models import OrgUnit
from gridcare.contractors import service, supervision
from gridcare.contractors.models import ProjectItem, SpotCheck
from gridcare.core.clock import Clock
from gridcare.core.principal import system_principal
from gridcare.db import Database

EVIDENCE = ["水箱内壁残留水垢", "未张贴清洗公示", "表前阀门未复位"]


def load_demo(db: Database, clock: Clock, *, seed: int, progress: Any) -> None:
    from gridcare.grids import service as grids

    rng = random.Random(seed)
    actor, now = system_principal("demo"), clock.now()
    with db.write() as session:
        contractor = session.scalar(select(OrgUnit).where(OrgUnit.kind == "contractor").order_by(OrgUnit.id))
        water = [g for g in grids.list_grids(session, actor=actor) if g.utility == "water" and g.rep_id]
        if contractor is None or len(water) < 2:
            return
        chosen = rng.sample(water, 2)
        progress("contractor projects", 0, 3)
        done = service.create_project(
            session, actor=actor, now=now - timedelta(days=30), name=f"{chosen[0].name}二次供水水箱清洗", kind="tank_cleaning", contractor_id=contractor.id, grid_ids=[chosen[0].id],
            starts_at=now - timedelta(days=25), due_at=now - timedelta(days=10), items=[f"{n}号楼屋顶水箱" for n in range(1, 13)], sample_min=3, sample_share=0.2, sample_seed=seed,
        )
        service.execute(session, actor=actor, now=now - timedelta(days=25), project_id=done.id, command="start")
        items = list(session.scalars(select(ProjectItem.id).where(ProjectItem.project_id == done.id).order_by(ProjectItem.id)))
        service.complete_items(session, actor=actor, now=now - timedelta(days=14), project_id=done.id, item_ids=items[:10], note="清洗消毒完成，水质送检合格")
        service.complete_items(session, actor=actor, now=now - timedelta(days=8), project_id=done.id, item_ids=items[10:], note="延期：住户不在家")
        for check in supervision.draw_spot_checks(session, actor=actor, now=now - timedelta(days=7), project_id=done.id):
            failed = rng.random() < 0.25
            supervision.record_check(session, actor=actor, now=now - timedelta(days=6), project_id=done.id, check_id=check.id, result="fail" if failed else "pass", evidence=rng.choice(EVIDENCE) if failed else "")
        for score, comment in ((5, "师傅提前通知，很规范"), (4, "清洗及时"), (3, "停水时间比通知的长")):
            supervision.add_feedback(session, actor=actor, now=now - timedelta(days=9), project_id=done.id, score=score, comment=comment)
        supervision.add_log(session, actor=actor, now=now - timedelta(days=20), project_id=done.id, note="现场检查：施工人员持证上岗，清洗前已停水并张贴公告")
        supervision.rate(session, actor=actor, now=now - timedelta(days=5), project_id=done.id, rating=4)
        service.execute(session, actor=actor, now=now - timedelta(days=5), project_id=done.id, command="complete")
        progress("contractor projects", 1, 3)

        meters = service.create_project(
            session, actor=actor, now=now - timedelta(days=6), name=f"{chosen[1].name}老旧水表更换", kind="meter_replacement", contractor_id=contractor.id, grid_ids=[chosen[1].id],
            starts_at=now - timedelta(days=3), due_at=now + timedelta(days=10), items=[f"{n}栋{u}单元表井" for n in range(1, 9) for u in (1, 2)], notice_text="换表期间短时停水约30分钟。",
            sample_min=2, sample_share=0.1, sample_seed=seed + 1,
        )
        service.execute(session, actor=actor, now=now - timedelta(days=3), project_id=meters.id, command="start")
        items = list(session.scalars(select(ProjectItem.id).where(ProjectItem.project_id == meters.id).order_by(ProjectItem.id)))
        service.complete_items(session, actor=actor, now=now - timedelta(days=1), project_id=meters.id, item_ids=items[:7], note="已换新表并拍照留底")
        supervision.draw_spot_checks(session, actor=actor, now=now - timedelta(hours=20), project_id=meters.id)
        first = session.scalar(select(SpotCheck).where(SpotCheck.project_id == meters.id).order_by(SpotCheck.id))
        if first is not None:
            supervision.record_check(session, actor=actor, now=now - timedelta(hours=18), project_id=meters.id, check_id=first.id, result="pass", evidence="")
        supervision.add_log(session, actor=actor, now=now - timedelta(days=1), project_id=meters.id, note="施工现场围挡到位，旧表已回收")
        progress("contractor projects", 2, 3)

        service.create_project(
            session, actor=actor, now=now, name=f"{chosen[0].name}供水管道维护", kind="pipe_maintenance", contractor_id=contractor.id, grid_ids=[chosen[0].id],
            starts_at=now + timedelta(days=7), due_at=now + timedelta(days=9), items=["主干管DN200阀门更换", "支管冲洗"], notice_text="施工期间水压可能偏低。", sample_seed=seed + 2,
        )
        progress("contractor projects", 3, 3)
