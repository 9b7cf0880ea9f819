"""The public Open311 search stays within the GeoReport v2 bounds: the last 90 days by
default, a window of at most 90 days, at most 50 ids; and a page of requests costs the
same queries whatever its length."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest

from gridcare.core.clock import SHANGHAI
from gridcare.open311 import service as open311
from gridcare.outages import service as outages
from tests.support.wire import watched

SEARCH = "/open311/v2/requests.json"


@pytest.fixture
def key(database, clock, world):
    with database.write() as session:
        return open311.create_key(session, now=clock.now(), name="wechat")


def post(client, key, account="E001"):
    answer = client.post(SEARCH, data={"api_key": key, "service_code": "repair", "account_id": account, "description": "家里停电"})
    assert answer.status_code == 201, answer.text
    return answer.json()[0]["service_request_id"]


def found(answer):
    assert answer.status_code == 200, answer.text
    return [r["service_request_id"] for r in answer.json()]


def test_it_searches_the_last_90_days_unless_told_a_window(client, clock, key):
    now = clock.now()
    clock.set(now - timedelta(days=100))
    old = post(client, key)
    clock.set(now)
    new = post(client, key)
    assert found(client.get(SEARCH)) == [new]
    window = {"start_date": (now - timedelta(days=120)).isoformat(), "end_date": (now - timedelta(days=60)).isoformat()}
    assert found(client.get(SEARCH, params=window)) == [old]
    assert found(client.get(SEARCH, params={"start_date": window["start_date"]})) == [old]  # 90 days from it
    assert found(client.get(SEARCH, params={"service_request_id": f"{old},{new}"})) == [new, old]  # ids: any age


def test_it_refuses_a_window_of_more_than_90_days_in_the_specs_error_format(client, clock, key):
    start = clock.now() - timedelta(days=91)
    longest = {"start_date": start.isoformat(), "end_date": (start + timedelta(days=90)).isoformat()}
    assert client.get(SEARCH, params=longest).status_code == 200
    too_long = client.get(SEARCH, params=longest | {"end_date": (start + timedelta(days=90, seconds=1)).isoformat()})
    assert too_long.status_code == 400
    [error] = too_long.json()
    assert error["code"] == 400 and error["description"].startswith("end_date: must be between ") and error["description"].endswith(" (90 days)")
    backwards = client.get(SEARCH, params={"start_date": longest["end_date"], "end_date": longest["start_date"]})
    assert backwards.status_code == 400 and backwards.json()[0]["description"].startswith("end_date:")
    xml = client.get("/open311/v2/requests.xml", params=longest | {"end_date": "2027-06-01T00:00:00Z"})
    assert xml.status_code == 400
    assert ElementTree.fromstring(xml.content).find("error/description").text.startswith("end_date: must be between ")


def test_it_reads_a_date_without_a_time_zone_as_local(client, clock, key):
    today = post(client, key)  # 09:00 in Shanghai, 01:00 UTC
    local_day = clock.now().astimezone(SHANGHAI).date().isoformat()
    assert found(client.get(SEARCH, params={"start_date": local_day})) == [today]
    assert found(client.get(SEARCH, params={"end_date": "2026-11-24T08:59:59"})) == []


def test_it_takes_at_most_50_ids(client, key):
    number = post(client, key)
    fifty = [number] + [f"NOPE-{i}" for i in range(49)]
    assert found(client.get(SEARCH, params={"service_request_id": ",".join(fifty)})) == [number]
    refused = client.get(SEARCH, params={"service_request_id": ",".join([*fifty, "NOPE-X"])})
    assert refused.status_code == 400 and refused.json() == [{"code": 400, "description": "service_request_id: at most 50 items"}]


def test_a_page_of_requests_costs_the_queries_of_one(client, database, clock, world, key):
    with database.write() as session:
        outages.create_outage(session, actor=world.principal("supervisor"), now=clock.now(), utility="electric", kind="unplanned", devices=["SW1"], area="五一大道东段", eta=clock.now() + timedelta(hours=2))
    numbers = [post(client, key, account) for account in ("E001", "E002", "E003", "W001", "E002", "E001")]

    def page(ids):
        with watched(database) as wire, database.read() as session:
            views = open311.public_views(session, open311.search(session, now=clock.now(), ids=ids, service_code=None, status=None, start=None, end=None), "zh_CN")
        return views, len(wire.statements)

    (_, one), (views, six) = page(numbers[:1]), page(numbers)
    assert len(views) == 6 and six == one
    with database.read() as session:
        assert views == [open311.public_view(session, open311.find(session, number=v["service_request_id"]), "zh_CN") for v in views]
    assert sum("五一大道东段" in v["service_notice"] for v in views) == 3 and any("张台区经理" in v["agency_responsible"] for v in views)
