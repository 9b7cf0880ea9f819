import pytest

from gridcare.customers import service as customers
from gridcare.network import service as network
from tests.support import area
from tests.support import org as demo_org


@pytest.fixture
def org(database, clock):
    o = demo_org.load(database, clock)
    area.load(o, clock)
    return o


def test_it_answers_the_upstream_chain_of_a_customer(database, org):
    admin = org.principal("admin")
    with database.read() as session:
        chain = network.upstream_chain(session, actor=admin, utility="electric", supply_point="T2")
        water = network.upstream_chain(session, actor=admin, utility="water", supply_point="S1")
    assert [a.code for a in chain] == ["T2", "SW1", "F1", "SUB"]
    assert [a.code for a in water] == ["S1", "J1", "V1", "SRC"]


def test_it_finds_every_customer_downstream_of_a_device(database, org):
    with database.read() as session:
        assert network.downstream_supply_points(session, utility="electric", device="SW1") == {"T2"}
        assert network.downstream_supply_points(session, utility="electric", device="F1") == {"T1", "T2"}
        counts = customers.counts_by_supply_point(session, codes=["T1", "T2"])
    assert counts == {"T1": 1, "T2": 2}


def test_it_finds_customers_cut_off_by_closed_valves_and_in_a_dma(database, org):
    from gridcare.core.errors import InvalidInput

    with database.read() as session:
        assert network.supply_points_cut_off_by_valves(session, valves={"V1"}) == {"S1"}
        assert network.supply_points_in_dma(session, dma_code="DMA-T") == {"S1"}
        with pytest.raises(InvalidInput, match="valves"):
            network.supply_points_cut_off_by_valves(session, valves={"NOPE"})


def test_it_puts_assets_in_the_grid_that_holds_them(database, org):
    from sqlalchemy import select

    from gridcare.grids.models import Grid
    from gridcare.network.models import Asset

    with database.read() as session:
        placed = dict(session.execute(select(Asset.code, Grid.code).join(Grid, Grid.id == Asset.grid_id).where(Asset.utility == "electric")).all())
    assert placed["T1"] == "E-WEST" and placed["T2"] == "E-EAST"
