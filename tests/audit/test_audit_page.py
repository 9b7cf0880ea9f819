"""The audit page shows a change as the fields that changed, nested records as dotted fields."""

from __future__ import annotations

import re

from gridcare.audit import service as audit
from gridcare.audit.views import _changes
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


def test_a_change_reads_as_the_fields_that_changed_nested_ones_dotted():
    before = '{"name": "A", "payload": {"households": "90", "geo": {"lon": 1}}, "tags": ["x"]}'
    after = '{"name": "A", "payload": {"households": "96", "geo": {"lon": 1}}, "tags": ["x", "y"], "extra": {}}'
    assert _changes(before, after) == [
        ("extra", None, "{}"),
        ("payload.households", "90", "96"),
        ("tags", '["x"]', '["x", "y"]'),
    ]
    assert _changes("{}", "{}") == [] and _changes("null", "[1]") == [("", {}, [1])]


def test_the_page_shows_a_nested_change_without_a_python_dict(settings, database, clock):
    org = demo_org.load(database, clock)
    admin = org.principal("admin")
    with database.write() as session:
        audit.record(session, actor=admin, at=clock.now(), action="data_change.submit", entity="data_change", entity_id=7,
                     after={"payload": {"households": "96", "name": "锦绣苑 8 栋"}}, org_path=admin.org_path)
    with client_for(settings, database, clock) as client:
        sign_in(client, "admin", demo_org.PASSWORD)
        page = client.get("/admin/audit", params={"entity": "data_change", "entity_id": "7"})
    assert page.status_code == 200
    row = re.search(r"data_change\.submit.*?</tr>", page.text, re.DOTALL).group(0)
    assert "<b>payload.households</b>" in row and "锦绣苑 8 栋" in row and "{&#39;" not in row and "{'" not in row
