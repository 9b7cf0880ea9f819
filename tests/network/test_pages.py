"""The network page (/network): look a device up (upstream chain, downstream customers by
grid), and for water the valves to close and the DMA lookup; answers agree with the REST
endpoints, and each company sees only its own network."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.support import area
from tests.support import org as demo_org
from tests.support.web import client_for, sign_in


@pytest.fixture
def site(settings, database, clock):
    org = demo_org.load(database, clock)
    grids = area.load(org, clock)
    with client_for(settings, database, clock) as c:
        yield c, grids


def _figure(page: str, section: str, name: str) -> int:
    """A figure (data-figure=name) inside the element with id=section."""
    part = page[page.index(f'id="{section}"') :]
    return int(re.search(rf'data-figure="{name}">(\d+)<', part).group(1))


def _error(page: str) -> str:
    return unescape(re.search(r'id="network-error">([^<]*)<', page).group(1))


def _chain(page: str) -> list[str]:
    block = page[page.index('id="upstream"') : page.index("</ol>", page.index('id="upstream"'))]
    return re.findall(r'<li[^>]*data-code="([^"]+)"', block)


def test_it_shows_staff_the_page_and_the_nav_entry_is_live(site):
    client, _ = site
    assert client.get("/network").status_code == 303  # signed out: to the login page
    sign_in(client, "agent", demo_org.PASSWORD)
    home = client.get("/").text
    assert '<a href="/network" class="nav-item">网络设备</a>' in home
    assert not re.search(r'nav-item disabled[^>]*>网络设备', home)
    page = client.get("/network")
    assert page.status_code == 200
    assert 'id="lookup-form"' in page.text and "设备编码" in page.text
    # an electric agent is offered the electric network only, and no water tools
    assert '<option value="electric" selected>' in page.text and 'value="water"' not in page.text
    assert 'id="valves-form"' not in page.text
    assert 'class="nav-item active">网络设备' in page.text


def test_it_shows_a_switch_with_its_upstream_chain_and_the_customers_downstream(site):
    client, grids = site
    sign_in(client, "agent", demo_org.PASSWORD)
    page = client.get("/network", params={"utility": "electric", "code": "SW1"})
    assert page.status_code == 200
    html = page.text
    assert _chain(html) == ["SUB", "F1", "SW1"]  # the substation first, the device last
    assert '<a href="/network?utility=electric&amp;code=F1">' in html  # each upstream device links to its own look-up
    assert "1号开关" in html and "开关" in html and "测试变电站" in html
    rest = client.get("/api/v1/network/electric/downstream", params={"device": "SW1"}).json()
    assert _figure(html, "downstream", "customers") == rest["customers"] == 2
    assert _figure(html, "downstream", "supply-points") == len(rest["supply_points"]) == 1
    assert _figure(html, "downstream", "key-customers") == 2  # a sensitive customer and a school
    grid_table = html[html.index('data-table="grids"') :]
    assert f'<a href="/grids/{grids["east"]}">东网格</a>' in grid_table
    assert "T2</code>" in html[html.index('data-table="supply-points"') :]
    asset = client.get("/api/v1/network/electric/assets/SW1").json()
    assert asset["upstream"] == list(reversed(_chain(html)))
    assert "data-field=\"parent\">10kV 测试线 <code>F1</code>" in html and asset["parent"] == "F1"


def test_it_counts_a_feeder_and_a_transformer_as_the_rest_endpoint_does(site):
    client, grids = site
    sign_in(client, "supervisor", demo_org.PASSWORD)
    for code, customers, by_grid in (("F1", 3, {"west": 1, "east": 2}), ("T1", 1, {"west": 1})):
        html = client.get("/network", params={"utility": "electric", "code": code}).text
        rest = client.get("/api/v1/network/electric/downstream", params={"device": code}).json()
        assert _figure(html, "downstream", "customers") == rest["customers"] == customers
        rows = dict(re.findall(r'<a href="/grids/(\d+)">[^<]*</a> <small class="muted">[^<]*</small></td>\s*<td class="num">(\d+)</td>', html))
        assert rows == {str(grids[g]): str(n) for g, n in by_grid.items()}
    html = client.get("/network", params={"utility": "electric", "code": "F1"}).text
    assert re.findall(r'<li><span class="muted">[^<]*</span> <a href="/network\?utility=electric&amp;code=(\w+)">', html) == ["SW1", "T1"]  # fed directly
    assert f'<a href="/grids/{grids["west"]}" data-field="grid">' in client.get("/network", params={"utility": "electric", "code": "T1"}).text


def test_it_names_only_the_grids_a_rep_may_see(site):
    client, grids = site
    sign_in(client, "rep", demo_org.PASSWORD)  # the west grid's rep
    html = client.get("/network", params={"utility": "electric", "code": "F1"}).text
    assert _figure(html, "downstream", "customers") == 3  # the whole feeder, as the REST endpoint counts
    table = html[html.index('data-table="grids"') : html.index("</table>", html.index('data-table="grids"'))]
    assert f'<a href="/grids/{grids["west"]}">西网格</a>' in table
    assert "东网格" not in html and "E-EAST" not in html and f"/grids/{grids['east']}" not in html
    assert "其他网格（不在您的权限范围内）：1 个" in table
    html = client.get("/network", params={"utility": "electric", "code": "T2"}).text
    assert "另一网格（不在您的权限范围内）" in html and "东网格" not in html


def test_it_names_an_unknown_code_in_one_line(site):
    client, _ = site
    sign_in(client, "agent", demo_org.PASSWORD)
    page = client.get("/network", params={"utility": "electric", "code": "NOPE-7"})
    assert page.status_code == 404
    assert _error(page.text) == "供电网络中没有编码为 NOPE-7 的设备。"
    assert 'id="asset-result"' not in page.text and 'value="NOPE-7"' in page.text  # the form keeps what was typed
    assert client.get("/api/v1/network/electric/assets/NOPE-7").status_code == 404


def test_it_keeps_each_company_to_its_own_network(site):
    client, _ = site
    sign_in(client, "agent", demo_org.PASSWORD)  # the electric company's agent
    page = client.get("/network", params={"utility": "water", "code": "V1"})
    assert page.status_code == 403 and _error(page.text) == "供水管网属于您权限范围之外的公司。"
    assert 'id="asset-result"' not in page.text and 'id="valves-form"' not in page.text
    assert client.get("/network", params={"utility": "water", "valves": "V1"}).status_code == 403
    assert client.get("/network", params={"utility": "water", "dma": "DMA-T"}).status_code == 403
    assert client.get("/api/v1/network/water/assets/V1").status_code == 403
    client.cookies.clear()
    sign_in(client, "w_agent", demo_org.PASSWORD)  # the water company's agent
    page = client.get("/network")
    assert '<option value="water" selected>' in page.text and 'value="electric"' not in page.text
    page = client.get("/network", params={"utility": "electric", "code": "SW1"})
    assert page.status_code == 403 and _error(page.text) == "供电网络属于您权限范围之外的公司。"
    assert "1号开关" not in page.text
    assert client.get("/api/v1/network/electric/assets/SW1").status_code == 403
    client.cookies.clear()
    sign_in(client, "contractor", demo_org.PASSWORD)  # no network of theirs at all
    assert client.get("/network").status_code == client.get("/api/v1/network/water/dmas/DMA-T").status_code == 403


def test_it_answers_the_water_questions_as_the_rest_endpoints_do(site):
    client, grids = site
    _, token = sign_in(client, "w_agent", demo_org.PASSWORD)
    html = client.get("/network", params={"utility": "water", "code": "V1"}).text
    assert "关闭该阀门后的停水范围" in html and _figure(html, "downstream", "customers") == 1
    assert not re.search(r'id="upstream"', html)  # water has pipes, not a chain
    page = client.get("/network", params={"utility": "water", "valves": "V1"})
    rest = client.post("/api/v1/network/water/isolate", json={"valves": ["V1"]}, headers={"X-CSRF-Token": token}).json()
    assert page.status_code == 200 and _figure(page.text, "isolation", "customers") == rest["customers"] == 1
    assert _figure(page.text, "isolation", "supply-points") == len(rest["supply_points"]) == 1
    assert f'<a href="/grids/{grids["water"]}">全域供水网格</a>' in page.text
    page = client.get("/network", params={"utility": "water", "valves": "V1，XV9"})  # a Chinese comma, as typed
    assert page.status_code == 422 and _error(page.text) == "供水管网中没有：XV9。"
    page = client.get("/network", params={"utility": "water", "valves": "V1, J1"})
    assert page.status_code == 422 and "J1" in _error(page.text) and "不是阀门" in _error(page.text)
    page = client.get("/network", params={"utility": "water", "dma": "DMA-T"})
    rest = client.get("/api/v1/network/water/dmas/DMA-T").json()
    assert _figure(page.text, "dma", "customers") == rest["customers"] == 1
    assert _figure(page.text, "dma", "supply-points") == rest["supply_points"] == 1
    assert '<option value="DMA-T">' in page.text  # the DMAs are suggested
    page = client.get("/network", params={"utility": "water", "dma": "DMA-X"})
    assert page.status_code == 404 and "DMA-X" in _error(page.text)


def test_it_speaks_english_to_an_english_user(site):
    client, _ = site
    _, token = sign_in(client, "supervisor", demo_org.PASSWORD)
    client.post("/settings/locale", data={"locale": "en", "next": "/network", "csrf_token": token})
    page = client.get("/network", params={"utility": "electric", "code": "NOPE"})
    assert _error(page.text) == "No device of the electric network has the code NOPE."
    html = client.get("/network", params={"utility": "electric", "code": "T2"}).text
    assert "Upstream chain" in html and "Customers by grid" in html and _chain(html) == ["SUB", "F1", "SW1", "T2"]
