import pytest
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in

from gridcare.auth import service as auth
from gridcare.core.errors import Forbidden, NotFound
from gridcare.core.principal import system_principal
from gridcare.grids import service as grids


@pytest.fixture
def org(database, clock):
    o = demo_org.load(database, clock)
    with database.write() as session:
        actor = system_principal("test")
        grids.create_grid(session, actor=actor, now=clock.now(), code="WY-01", name="五一网格", org_unit_id=o.units["XC-E-FR-WY-T1"], rep_id=o.user_id("rep"))
        grids.create_grid(session, actor=actor, now=clock.now(), code="WY-02", name="黄兴网格", org_unit_id=o.units["XC-E-FR-WY-T1"], backup_id=o.user_id("rep"))
        grids.create_grid(session, actor=actor, now=clock.now(), code="LS-01", name="麓山网格", org_unit_id=o.units["XC-E-YL-LS-T1"])
        grids.create_grid(session, actor=actor, now=clock.now(), code="TX-01", name="天心水务网格", org_unit_id=o.units["XC-W-TX-T1"], rep_id=o.user_id("w_rep"))
    return o


def visible_grids(db, principal):
    with db.read() as session:
        return [g.code for g in grids.list_grids(session, actor=principal)]


def test_it_shows_reps_only_the_grids_they_answer_for(database, org):
    assert visible_grids(database, org.principal("rep")) == ["WY-01", "WY-02"]
    assert visible_grids(database, org.principal("w_rep")) == ["TX-01"]


def test_it_shows_the_command_center_its_company_and_not_the_other_utility(database, org):
    assert visible_grids(database, org.principal("supervisor")) == ["LS-01", "WY-01", "WY-02"]
    assert visible_grids(database, org.principal("w_supervisor")) == ["TX-01"]
    assert visible_grids(database, org.principal("viewer")) == ["LS-01", "TX-01", "WY-01", "WY-02"]
    with database.read() as session:
        electric_supervisor_users = {u.login for u in auth.list_users(session, actor=org.principal("supervisor"))}
        water_supervisor_users = {u.login for u in auth.list_users(session, actor=org.principal("w_supervisor"))}
    assert "w_agent" not in electric_supervisor_users and "agent" in electric_supervisor_users
    assert "agent" not in water_supervisor_users and "w_agent" in water_supervisor_users


def test_it_shows_contractors_nothing_that_is_not_assigned_to_them(database, org):
    with pytest.raises(Forbidden):
        visible_grids(database, org.principal("contractor"))


def test_it_refuses_writes_outside_the_role_or_the_subtree(database, clock, org):
    with database.write() as session:
        with pytest.raises(Forbidden):
            auth.create_user(session, actor=org.principal("viewer"), now=clock.now(), login="x1", display_name="x", role="agent", org_unit_id=org.units["XC"], password="grid-care-9")
        with pytest.raises(Forbidden):
            auth.create_user(session, actor=org.principal("supervisor"), now=clock.now(), login="x2", display_name="x", role="admin", org_unit_id=org.units["XC-E-CC"], password="grid-care-9")
        with pytest.raises(NotFound):
            auth.get_user(session, actor=org.principal("supervisor"), user_id=org.user_id("w_agent"))


def test_it_answers_foreign_records_over_the_api_as_not_found(settings, database, clock, org):
    with client_for(settings, database, clock) as client:
        sign_in(client, "supervisor", demo_org.PASSWORD)
        assert client.get(f"/api/v1/users/{org.user_id('agent')}").status_code == 200
        foreign = client.get(f"/api/v1/users/{org.user_id('w_agent')}")
        assert foreign.status_code == 404 and foreign.json()["detail"].startswith("user_id:")


def test_a_statement_built_once_per_kind_of_scope_finds_what_scoped_finds(database, clock, org):
    """Every role of the demo org, a rep without grids, contractors with and without a unit,
    and org paths holding LIKE's own characters: the bound statement and ``scoped`` agree."""
    from dataclasses import replace

    from sqlalchemy import bindparam, select

    from gridcare.auth.scoping import ScopedStatement, scoped
    from gridcare.core.principal import Role
    from gridcare.customers.models import Customer

    with database.write() as session:
        grid_ids = [g.id for g in grids.list_grids(session, actor=system_principal("test"))]
        paths = sorted({p.org_path for p in (org.principal(login) for login in ("rep", "w_rep", "supervisor", "agent"))}) + ["/1_/", "/1%/", "/1/", "/10/"]
        for i in range(40):
            session.add(Customer(
                account=f"S-{i:03}", name=f"客户{i}", utility="electric", org_path=paths[i % len(paths)] + ("" if i % 3 else "7/"),
                grid_id=None if i % 5 == 0 else grid_ids[i % len(grid_ids)], created_at=clock.now(), updated_at=clock.now(),
            ))
    logins = ["admin", "viewer", "supervisor", "w_supervisor", "agent", "expert", "rep", "w_rep", "contractor"]
    actors = [org.principal(login) for login in logins]
    rep = org.principal("rep")
    actors += [replace(rep, grid_ids=frozenset()), replace(rep, org_path="/1_/"), replace(rep, role=Role.SUPERVISOR, org_path="/1%/")]
    actors += [replace(org.principal("contractor"), org_unit_id=None), replace(org.principal("contractor"), org_unit_id=grid_ids[0])]
    # A contractor's column stands in as grid_id: only the SQL is compared.
    columns = {"org_path": Customer.org_path, "grid_id": Customer.grid_id, "contractor_id": Customer.grid_id}
    bound = ScopedStatement(lambda scope: select(Customer.account).where(Customer.utility == bindparam("utility"), *scope).order_by(Customer.account), **columns)
    seen = set()
    with database.read() as session:
        for actor in actors:
            stmt, params = bound.bound(actor, utility="electric")
            expected = list(session.scalars(scoped(select(Customer.account), actor, **columns).where(Customer.utility == "electric").order_by(Customer.account)))
            assert list(session.scalars(stmt, params)) == expected, actor
            seen.add(len(expected))
    assert len(seen) >= 5  # the actors do see different customers
