import pytest

from gridcare.customers import service
from tests.support import area
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


@pytest.fixture
def org(database, clock):
    o = demo_org.load(database, clock)
    area.load(o, clock)
    return o


def test_it_suggests_the_customer_and_grid_for_an_address_a_caller_gives(database, org):
    with database.read() as session:
        found = service.suggest_by_address(session, actor=org.principal("agent"), text="五一大道2号")
    assert found[0][0].account == "E002"


def test_it_answers_suggestions_over_rest_within_the_callers_scope(settings, database, clock, org):
    with client_for(settings, database, clock) as client:
        sign_in(client, "agent", demo_org.PASSWORD)
        rows = client.get("/api/v1/customers/suggest", params={"address": "芙蓉区五一大道3号"}).json()
        assert rows[0]["account"] == "E003" and rows[0]["grid_code"] == "E-EAST" and rows[0]["score"] > 0.5
        bad = client.get("/api/v1/customers/suggest", params={"address": " "})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "address"
        client.cookies.clear()
        sign_in(client, "rep", demo_org.PASSWORD)
        assert all(r["grid_code"] == "E-WEST" for r in client.get("/api/v1/customers/suggest", params={"address": "五一大道"}).json())
