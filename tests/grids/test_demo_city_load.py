"""The demo city loaded into a database: every customer in exactly one grid of its utility."""

from sqlalchemy import func, select

from gridcare.core.principal import system_principal
from gridcare.customers.models import Customer
from gridcare.demo.loader import load_demo
from gridcare.grids import service as grids
from gridcare.grids.models import Grid


def test_it_loads_a_small_demo_city_with_every_customer_placed(database, clock):
    summary = load_demo(database, clock=clock, seed=3, customers=2000, grids=12)
    assert summary.created
    with database.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 2000
        unplaced = session.scalar(select(func.count()).select_from(Customer).where(Customer.grid_id.is_(None)))
        mismatched = session.scalar(
            select(func.count()).select_from(Customer).join(Grid, Grid.id == Customer.grid_id).where(Grid.utility != Customer.utility)
        )
        assert unplaced == 0 and mismatched == 0
        assert grids.coverage(session, actor=system_principal(), utility="electric").ok
        rep_grids = session.scalar(select(func.count()).select_from(Grid).where(Grid.rep_id.is_(None)))
        assert rep_grids == 0
    assert not load_demo(database, clock=clock, seed=3, customers=2000, grids=12).created
