"""Campaign targeting (grids, tag, area, network node; opt-outs excluded), sending through
the notify service with delivery statistics, scheduling by the job, and opt-outs by reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from shapely.geometry import mapping

from gridcare.campaigns import service
from tests.contractors.world import as_user, customer_id, messages
from tests.support.area import WEST


def reach(client, headers, **target):
    answer = client.post("/api/v1/campaigns/preview", json={"target": target}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def recipients(database, campaign_id):
    return sorted(m.recipient_name for m in messages(database, "campaigns", campaign_id))


@pytest.mark.parametrize(
    ("target", "names"),
    [
        ({"grid_ids": ["east"]}, ["李强", "长沙市第一中学"]),
        ({"tag": "protected"}, ["长沙市第一中学"]),
        ({"polygon": "west"}, ["王芳", "王芳"]),  # the electric and the water account inside the west box
        ({"node": {"utility": "electric", "code": "SW1"}}, ["李强", "长沙市第一中学"]),
        ({"node": {"utility": "water", "code": "V1"}}, ["王芳"]),
        ({"grid_ids": ["east"], "tag": "sensitive"}, ["李强"]),
    ],
)
def test_it_targets_grids_tags_areas_and_network_nodes(client, world, database, target, names):
    headers = as_user(client, "admin")
    if "grid_ids" in target:
        target = target | {"grid_ids": [world.grids[g] for g in target["grid_ids"]]}
    if target.get("polygon") == "west":
        target = target | {"polygon": mapping(WEST)}
    made = client.post("/api/v1/campaigns", json={"title": "阶梯水价宣传", "text": "阶梯水价自12月1日起执行。", "target": target}, headers=headers)
    assert made.status_code == 201, made.text
    sent = client.post(f"/api/v1/campaigns/{made.json()['id']}/send", headers=headers).json()
    assert sent["status"] == "sent" and sent["recipients"] == len(names)
    assert recipients(database, sent["id"]) == sorted(names)
    assert sent["delivery"] == {"queued": len(names)}


def test_it_leaves_out_customers_who_opted_out_and_counts_them(client, world, database):
    headers = as_user(client, "supervisor")
    east = [world.grids["east"]]
    assert reach(client, headers, grid_ids=east) == {"recipients": 2, "opted_out": 0}
    school = customer_id(database, "E003")
    assert client.post("/api/v1/campaigns/opt-outs", json={"customer_id": school, "channel": "sms", "topic": "*"}, headers=headers).status_code == 201
    strong = customer_id(database, "E002")
    client.post("/api/v1/campaigns/opt-outs", json={"customer_id": strong, "channel": "sms", "topic": "billing"}, headers=headers)
    assert reach(client, headers, grid_ids=east) == {"recipients": 1, "opted_out": 1}  # E002 opted out of billing only
    made = client.post("/api/v1/campaigns", json={"title": "安全用电", "text": "冬季用电注意安全。", "topic": "safety", "target": {"grid_ids": east}}, headers=headers).json()
    sent = client.post(f"/api/v1/campaigns/{made['id']}/send", headers=headers).json()
    assert (sent["recipients"], sent["opted_out"]) == (1, 1) and recipients(database, made["id"]) == ["李强"]
    body = messages(database, "campaigns", made["id"])[0].body
    assert body.startswith("冬季用电注意安全。 回复TD退订")
    bad = client.post("/api/v1/campaigns/opt-outs", json={"customer_id": school, "channel": "fax"}, headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "channel"


def test_it_opts_out_every_customer_on_a_phone_that_replies_td(client, world, database):
    headers = as_user(client, "admin")
    assert client.post("/api/v1/campaigns/replies", json={"phone": "13812345678", "text": "好的"}, headers=headers).json() == {"opted_out": False, "customers": []}
    answer = client.post("/api/v1/campaigns/replies", json={"phone": "13812345678", "text": "TD"}, headers=headers).json()
    assert answer["opted_out"] and sorted(answer["customers"]) == sorted([customer_id(database, "E001"), customer_id(database, "W001")])
    assert {(o["account"], o["via"]) for o in client.get("/api/v1/campaigns/opt-outs").json()} == {("E001", "reply"), ("W001", "reply")}
    assert reach(client, headers, polygon=mapping(WEST)) == {"recipients": 0, "opted_out": 2}


def test_it_keeps_a_rep_to_their_own_grids(client, world, database):
    headers = as_user(client, "rep")  # E-WEST only
    assert reach(client, headers, tag="sensitive") == {"recipients": 0, "opted_out": 0}
    assert reach(client, headers, node={"utility": "electric", "code": "F1"}) == {"recipients": 1, "opted_out": 0}
    other = client.post("/api/v1/campaigns", json={"title": "x", "text": "y", "target": {"grid_ids": [world.grids["east"]]}}, headers=headers)
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "target.grid_ids"


def test_it_answers_bad_campaigns_naming_each_field(client, world):
    headers = as_user(client, "supervisor")
    bad = client.post("/api/v1/campaigns", json={"title": "", "text": "y", "channel": "fax", "target": {"tag": "vip", "node": {"utility": "electric", "code": "NOPE"}}}, headers=headers)
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"title", "channel", "target.tag"}
    node = client.post("/api/v1/campaigns", json={"title": "t", "text": "y", "target": {"node": {"utility": "electric", "code": "NOPE"}}}, headers=headers)
    assert node.status_code == 422 and node.json()["errors"][0]["field"] == "target.node"
    assert client.get("/api/v1/campaigns").json() == []


def test_it_releases_a_scheduled_campaign_when_its_time_comes(client, world, database, clock):
    headers = as_user(client, "supervisor")
    made = client.post("/api/v1/campaigns", json={"title": "停水通知", "text": "明日9时至17时停水。", "topic": "water_outage", "target": {"grid_ids": [world.grids["west"]]},
                                                  "send_at": (clock.now() + timedelta(hours=2)).isoformat()}, headers=headers).json()
    assert made["status"] == "scheduled"
    with database.write() as session:
        assert service.release_due(session, now=clock.now()) == []
        assert service.release_due(session, now=clock.now() + timedelta(hours=2)) == [made["id"]]
        assert service.release_due(session, now=clock.now() + timedelta(hours=3)) == []
    shown = client.get(f"/api/v1/campaigns/{made['id']}").json()
    assert shown["status"] == "sent" and shown["recipients"] == 1 and recipients(database, made["id"]) == ["王芳"]
    again = client.post(f"/api/v1/campaigns/{made['id']}/send", headers=headers)
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "campaign_id"


def test_it_counts_customers_without_an_address_on_the_channel(client, world, database):
    headers = as_user(client, "supervisor")
    made = client.post("/api/v1/campaigns", json={"title": "电子账单", "text": "开通电子账单", "channel": "email", "topic": "billing", "target": {"grid_ids": [world.grids["east"]]}}, headers=headers).json()
    sent = client.post(f"/api/v1/campaigns/{made['id']}/send", headers=headers).json()
    assert (sent["recipients"], sent["unreachable"]) == (0, 2) and messages(database, "campaigns", made["id"]) == []


def test_a_campaign_that_cannot_go_is_marked_failed_and_does_not_block_the_others(client, world, database, clock):
    from gridcare.campaigns.models import Campaign

    headers = as_user(client, "supervisor")
    ids = [client.post("/api/v1/campaigns", json={"title": t, "text": "x", "target": {"grid_ids": [world.grids["west"]]}}, headers=headers).json()["id"] for t in ("坏", "好")]
    with database.write() as session:
        broken = session.get(Campaign, ids[0])
        broken.target = broken.target | {"tag": "vip"}  # the criteria no longer hold (a tag was retired)
    with database.write() as session:
        assert service.release_due(session, now=clock.now()) == [ids[1]]
    bad, good = (client.get(f"/api/v1/campaigns/{i}").json() for i in ids)
    assert bad["status"] == "failed" and "target.tag" in bad["error"] and good["status"] == "sent"
    # Its page gives the reason in the reader's language, though a job recorded it.
    from gridcare.core.i18n import T_, translator

    page = client.get("/campaigns", headers=headers)
    assert page.status_code == 200, page.text[:300]
    assert translator("zh_CN")(T_("must be one of %(choices)s", choices="x")).split("x")[0] in page.text and "must be one of" not in page.text
    with database.write() as session:
        assert service.release_due(session, now=clock.now()) == []


def more_grids(database, world, n):
    """``n`` grids beside the world's, in the west grid's unit: their ids."""
    from sqlalchemy import insert, select

    from gridcare.grids.models import Grid

    with database.write() as session:
        west = session.get(Grid, world.grids["west"])
        rows = [{"code": f"E-X{i:04d}", "name": f"网格{i}", "utility": west.utility, "org_unit_id": west.org_unit_id, "org_path": west.org_path, "created_at": west.created_at} for i in range(n)]
        session.execute(insert(Grid), rows)
        return list(session.scalars(select(Grid.id).where(Grid.code.like("E-X%"))))


def test_it_takes_at_most_500_grids_in_a_target_to_preview_or_to_plan(client, world, database):
    headers = as_user(client, "admin")
    grids = sorted([*world.grids.values(), *more_grids(database, world, 500 - len(world.grids))])
    assert len(grids) == 500 and reach(client, headers, grid_ids=grids) == {"recipients": 4, "opted_out": 0}
    too_many = [*grids, max(grids) + 1]
    for path, body in (("/api/v1/campaigns/preview", {"target": {"grid_ids": too_many}}), ("/api/v1/campaigns", {"title": "t", "text": "y", "target": {"grid_ids": too_many}})):
        refused = client.post(path, json=body, headers=headers)
        assert refused.status_code == 422 and refused.json()["errors"] == [{"field": "target.grid_ids", "reason": "at most 500 items"}], refused.text


def test_it_previews_only_grids_the_sender_may_plan_for(client, world, database):
    headers = as_user(client, "rep")  # E-WEST only
    for grid_ids in ([world.grids["east"]], [world.grids["west"], 10**9]):
        refused = client.post("/api/v1/campaigns/preview", json={"target": {"grid_ids": grid_ids}}, headers=headers)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "target.grid_ids", refused.text
        assert "in your scope" in refused.json()["errors"][0]["reason"]
    assert reach(client, headers, grid_ids=[world.grids["west"]]) == {"recipients": 1, "opted_out": 0}
