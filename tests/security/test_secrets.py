"""No password, token, key or gateway secret in any log record (captured at DEBUG, and the
CLI's stderr), audit entry, outbox payload or notification; the database keeps only hashes."""

from __future__ import annotations

import hashlib
import json
import logging
import re

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from gridcare.auth.models import ApiToken, User
from gridcare.config import get_settings
from gridcare.models import metadata
from gridcare.notify import groups, service
from gridcare.open311.models import Open311Key
from tests.notify.conftest import config, customer_id, make_worker, notify_settings
from tests.notify.stubs import GatewayStub, SmppCentre, WecomStub, http_stub, smpp_centre
from tests.support import area
from tests.support import org as demo_org
from tests.support.live import free_port
from tests.support.web import client_for, sign_in

NEW_PASSWORD = "Sesame-Street-42!"
# Loggers of the test's own fake servers: what they log is theirs, not the platform's.
STUB_LOGGERS = ("mail.log", "aiosmtpd")


@pytest.fixture
def world(database, clock):
    org = demo_org.load(database, clock)
    org.grids = area.load(org, clock)  # type: ignore[attr-defined]
    from gridcare.config import load_settings
    from gridcare.main import load_plugins

    load_plugins(load_settings())
    return org


@pytest.fixture
def cli(database, tmp_path, monkeypatch):
    """``gridcare …`` against the test database, with stdout and stderr apart."""
    from gridcare.cli import app, register_commands

    register_commands()
    monkeypatch.setenv("GRIDCARE_DATABASE_URL", database.url)
    monkeypatch.setenv("GRIDCARE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GRIDCARE_LOG_LEVEL", "DEBUG")
    get_settings.cache_clear()
    yield lambda *args: CliRunner().invoke(app, list(args), catch_exceptions=False)
    get_settings.cache_clear()


def logged(caplog) -> str:
    lines = []
    for record in caplog.records:
        if record.name.startswith(STUB_LOGGERS):
            continue
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    return "\n".join(lines)


def stored(db, *, skip: set[tuple[str, str]] = frozenset()) -> dict[str, str]:
    """Every table's text, column by column, as one string each ("table.column" -> text)."""
    found: dict[str, str] = {}
    with db.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name not in inspect(conn).get_table_names():
                continue
            for column in table.columns:
                if (table.name, column.name) in skip:
                    continue
                values = conn.execute(select(column)).scalars().all()
                found[f"{table.name}.{column.name}"] = "\n".join(
                    json.dumps(v, ensure_ascii=False, default=str) if not isinstance(v, str) else v
                    for v in values
                    if v is not None
                )
    return found


def leaks(secrets: dict[str, str], places: dict[str, str]) -> list[str]:
    return [
        f"{what} appears in {where}"
        for what, secret in secrets.items()
        for where, body in places.items()
        if secret and secret in body
    ]


def test_sign_in_tokens_and_keys_leave_no_secret_behind_but_their_hashes(
    settings, database, clock, world, cli, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: dict[str, str] = {
        "the demo password": demo_org.PASSWORD,
        "the new password": NEW_PASSWORD,
    }
    with client_for(settings, database, clock) as client:
        status, csrf = sign_in(client, "admin", demo_org.PASSWORD)
        assert status == 303
        agent_id = world.user_id("agent")
        api_token = client.post(
            f"/api/v1/users/{agent_id}/tokens", json={"name": "pbx"}, headers={"X-CSRF-Token": csrf}
        ).json()["token"]
        assert (
            client.patch(
                f"/api/v1/users/{world.user_id('rep')}",
                json={"password": NEW_PASSWORD},
                headers={"X-CSRF-Token": csrf},
            ).status_code
            == 200
        )
        assert (
            client.get("/api/v1/me", headers={"Authorization": f"Bearer {api_token}"}).status_code
            == 200
        )
        client.cookies.clear()
        assert (
            sign_in(client, "rep", "not-" + NEW_PASSWORD)[0] == 401
        )  # a wrong guess is not logged either
        assert sign_in(client, "rep", NEW_PASSWORD)[0] == 303
    secrets["the API token"] = api_token

    made = cli("tokens", "create", "agent", "--name", "cli")
    assert made.exit_code == 0, made.output
    cli_token = made.stdout.strip().splitlines()[-1]
    key_made = cli("open311", "keys", "create", "portal")
    assert key_made.exit_code == 0, key_made.output
    key = key_made.stdout.strip().splitlines()[-1]
    secrets |= {"the CLI token": cli_token, "the Open311 key": key}
    with client_for(settings, database, clock) as client:
        posted = client.post(
            "/open311/v2/requests.json",
            data={
                "service_code": "repair",
                "description": "停电",
                "lat": "28.12",
                "long": "112.92",
                "api_key": key,
            },
        )
        assert posted.status_code == 201, posted.text

    places = {
        "the log": logged(caplog),
        "the CLI's stderr": made.stderr + key_made.stderr,
    } | stored(database)
    assert not leaks(secrets, places)
    with database.read() as session:
        hashes = set(session.scalars(select(ApiToken.token_hash)))
        assert {hashlib.sha256(t.encode()).hexdigest() for t in (api_token, cli_token)} <= hashes
        assert (
            session.scalar(select(Open311Key.key_hash).where(Open311Key.name == "portal"))
            == hashlib.sha256(key.encode()).hexdigest()
        )
        assert all(h.startswith("$argon2id$") for h in session.scalars(select(User.password_hash)))


class RefusingSmtp:
    async def handle_DATA(self, server, session, envelope):
        return "250 accepted"


def test_gateway_passwords_and_tokens_stay_out_of_logs_errors_and_the_database(
    database, clock, world, tmp_path, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = {
        "the SMTP password": "smtp-Pa55-word",
        "the SMS gateway token": "sms-T0ken-9f8e7d",
        "the SMPP password": "Smp7x-Qz",
        "the WeCom key": "wecom-key-0a1b2c3d",
    }
    smtp_port = free_port()
    controller = Controller(
        RefusingSmtp(),
        hostname="127.0.0.1",
        port=smtp_port,
        auth_require_tls=False,
        authenticator=lambda *args: False,
    )
    controller.start()
    gateway, robot, centre = GatewayStub(fail_first=100), WecomStub(), SmppCentre()
    try:
        with (
            http_stub(gateway) as sms_url,
            http_stub(robot) as robot_url,
            smpp_centre(centre) as smpp_port,
        ):
            base = {
                "smtp_host": "127.0.0.1",
                "smtp_port": smtp_port,
                "smtp_user": "notify",
                "smtp_password": secrets["the SMTP password"],
                "smtp_from": "service@gridcare.example",
            }
            http_sms = notify_settings(
                database,
                tmp_path,
                **base,
                sms_http_url=sms_url + "/sms",
                sms_http_token=secrets["the SMS gateway token"],
                sms_http_timeout_seconds=0.5,
            )
            smpp = notify_settings(
                database,
                tmp_path,
                **base,
                sms_transport="smpp",
                smpp_host="127.0.0.1",
                smpp_port=smpp_port,
                smpp_system_id="gridcare",
                smpp_password=secrets["the SMPP password"],
            )
            with database.write() as session:
                service.notify_address(
                    session,
                    actor=world.principal("supervisor"),
                    now=clock.now(),
                    channel="email",
                    address="zhang@example.com",
                    event="order.escalated",
                    context={"number": "GD-9", "level": 2, "handler": "张"},
                    config=config(http_sms),
                )
                service.notify_customer(
                    session,
                    now=clock.now(),
                    customer_id=customer_id(database, "E001"),
                    event="order.accepted",
                    context={"number": "GD-1"},
                    source=("order", 1),
                    config=config(http_sms),
                )
                groups.save_group(
                    session,
                    actor=world.principal("supervisor"),
                    now=clock.now(),
                    grid_id=world.grids["west"],
                    name="物业群",
                    webhook_url=f"{robot_url}/cgi-bin/webhook/send?key={secrets['the WeCom key']}",
                )
                service.notify_grid_group(
                    session,
                    now=clock.now(),
                    grid_id=world.grids["west"],
                    event="outage.restored",
                    context={"area": "五一大道"},
                    source=("outage", 1),
                    config=config(http_sms),
                )
            make_worker(database, clock, http_sms).drain()
            with database.write() as session:
                service.notify_customer(
                    session,
                    now=clock.now(),
                    customer_id=customer_id(database, "E002"),
                    event="order.accepted",
                    context={"number": "GD-2"},
                    source=("order", 2),
                    config=config(smpp),
                )
            make_worker(database, clock, smpp).drain()
    finally:
        controller.stop()
    assert robot.posts and centre.binds == [("gridcare", secrets["the SMPP password"])], (
        "every channel was really tried"
    )
    assert gateway.tokens and all(
        t == f"Bearer {secrets['the SMS gateway token']}" for t in gateway.tokens
    )
    with database.read() as session:
        errors = [
            r[0]
            for r in session.execute(
                text(
                    "SELECT last_error FROM notifications WHERE last_error IS NOT NULL AND last_error != ''"
                )
            )
        ]
    assert any("SMTP login refused" in e for e in errors) and any("503" in e for e in errors), (
        errors
    )
    # The webhook is the robot's address: it is kept to post to it, and shown masked.
    places = {"the log": logged(caplog)} | stored(
        database, skip={("notify_wecom_groups", "webhook_url")}
    )
    assert not leaks(secrets, places)
    assert not re.search(r"key=wecom-key", logged(caplog))
