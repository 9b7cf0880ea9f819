"""Hypothesis over the HTTP upload endpoints (work-order attachments, patrol photos,
supervision photos): random bytes under any declared type, real image headers with junk
behind them, and hostile file names. Each upload is refused with a 4xx problem+json naming
the field, or stored by content hash under the data directory and nowhere else, its bytes
intact and its type the one sniffed, never the one declared."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from gridcare.auth import service as auth
from gridcare.core.uploads import MAX_BYTES, sniff
from gridcare.field import patrols
from gridcare.field.models import PatrolStop, PatrolTask
from gridcare.main import load_plugins
from tests.support.web import client_for

EXAMPLES = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

HEADERS = {
    "png": b"\x89PNG\r\n\x1a\n",
    "jpeg": b"\xff\xd8\xff\xe0",
    "pdf": b"%PDF-1.7\n",
    "webp": b"RIFF\x00\x00\x00\x00WEBPVP8 ",
    "heic": b"\x00\x00\x00\x18ftypheic",
    "gif": b"GIF89a",
    "html": b"<html><script>alert(1)</script>",
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
    "zip": b"PK\x03\x04",
    "elf": b"\x7fELF",
}
NAMES = [
    "photo.png",
    "../../etc/passwd",
    "../../../../tmp/evil.png",
    "/etc/shadow",
    "..\\..\\windows\\win.ini",
    "C:\\boot.ini",
    "a\x00b.png",
    "\x00",
    "..",
    ".",
    "",
    " ",
    "x" * 5000 + ".png",
    "照片\u202egnp.exe",
    "name\r\nX-Injected: 1.png",
    'quote".png',
    "%2e%2e%2fetc%2fpasswd",
    "CON",
    ".htaccess",
]
TYPES = [
    "image/png",
    "image/jpeg",
    "application/pdf",
    "text/html",
    "image/svg+xml",
    "application/octet-stream",
    "",
    "image/png; charset=../../x",
]


@st.composite
def uploads(draw: st.DrawFn) -> tuple[str, bytes, str]:
    body = draw(st.sampled_from(["random", "header", "header"]))
    data = draw(st.binary(max_size=300))
    if body == "header":
        data = HEADERS[draw(st.sampled_from(sorted(HEADERS)))] + data
    name = draw(st.one_of(st.sampled_from(NAMES), st.text(max_size=30)))
    return name, data, draw(st.sampled_from(TYPES))


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


class Uploader:
    def __init__(self, client, data_dir: Path, outside: Path) -> None:
        self.client, self.data_dir, self.outside = client, data_dir, outside

    def send(
        self,
        path: str,
        field: str,
        upload: tuple[str, bytes, str],
        token: str,
        form: dict[str, str] | None = None,
        allowed: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp", "image/heic"),
    ) -> dict | None:
        """The JSON answer of a stored upload, or None when refused; asserts either way that
        nothing landed outside the data directory's uploads and that the refusal was clear."""
        name, data, media_type = upload
        before_outside = files_under(self.outside) - files_under(self.data_dir)
        before = files_under(self.data_dir)
        response = self.client.post(
            path,
            files={field: (name, data, media_type or None)},
            data=form or {},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code < 500, (
            f"{response.status_code} for {name[:60]!r}: {response.text[:300]}"
        )
        added = files_under(self.data_dir) - before
        assert files_under(self.outside) - files_under(self.data_dir) == before_outside, (
            "a file landed outside the data directory"
        )
        digest = hashlib.sha256(data).hexdigest()
        if response.status_code >= 400:
            assert response.headers["content-type"] == "application/problem+json", response.text[
                :300
            ]
            problem = response.json()
            assert problem["errors"] and all(
                e["field"].split("[")[0] in (field, "file", "photo", "photos")
                for e in problem["errors"]
            ), problem
            assert not added, f"a refused upload left {added}"
            return None
        stored = self.data_dir / "uploads" / digest[:2] / digest
        if not stored.exists():
            # A browser sends an empty file input as a part with no name and no bytes: no photo.
            assert not data or not name, f"accepted {name[:60]!r} without storing it"
            assert not added
            return response.json()
        assert sniff(data) in allowed and len(data) <= MAX_BYTES
        assert stored.read_bytes() == data
        assert all(p == stored for p in added), (
            added
        )  # only the content-addressed file, no .part left
        return response.json()


@pytest.fixture(params=["sqlite", "postgresql"])
def populated(request: pytest.FixtureRequest):
    return request.getfixturevalue(f"populated_{request.param}")


@pytest.fixture
def world(populated, clock, fuzz_settings, org) -> Iterator[dict]:
    """A work order, a water patrol stop and a contractor project to attach files to."""
    load_plugins(fuzz_settings)
    tokens = {}
    with populated.write() as session:
        for login in ("admin", "w_rep", "supervisor", "rep"):
            user = org.principal(login)
            tokens[login] = auth.create_token(
                session,
                actor=org.principal("admin"),
                now=clock.now(),
                user_id=user.user_id,
                name="fuzz",
            )[1]
    with populated.write() as session:
        plan = patrols.create_plan(
            session,
            actor=org.principal("w_supervisor"),
            now=clock.now(),
            name="阀门巡视",
            grid_id=area_grid(populated, "W-ALL"),
            rrule="FREQ=DAILY",
            kinds=["valve"],
            max_distance_m=5000,
        )
        patrols.generate(session, now=clock.now(), days=0)
    with populated.read() as session:
        stop_id = session.scalars(
            select(PatrolStop.id)
            .join(PatrolTask, PatrolTask.id == PatrolStop.task_id)
            .where(PatrolTask.plan_id == plan.id)
        ).first()
    assert stop_id is not None
    with client_for(fuzz_settings, populated, clock) as client:
        admin = {"Authorization": f"Bearer {tokens['admin']}"}
        order = client.post(
            "/api/v1/work-orders",
            json={
                "category": "repair",
                "channel": "web",
                "account": "E002",
                "description": "整栋楼停电",
            },
            headers=admin,
        )
        assert order.status_code == 201, order.text
        project = client.post(
            "/api/v1/contractors/projects",
            json={
                "name": "水表更换",
                "kind": "meter_replacement",
                "contractor_id": org.units["HC"],
                "grid_ids": [area_grid(populated, "E-WEST")],
                "starts_at": (clock.now() + timedelta(days=1)).isoformat(),
                "due_at": (clock.now() + timedelta(days=9)).isoformat(),
                "items": ["水表1"],
            },
            headers={"Authorization": f"Bearer {tokens['supervisor']}"},
        )
        assert project.status_code == 201, project.text
        kind = next(
            k["code"]
            for k in client.get("/api/v1/field/finding-kinds", headers=admin).json()
            if k["utility"] == "water"
        )
        data_dir = Path(fuzz_settings.data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        yield {
            "client": Uploader(client, data_dir, data_dir.parent),
            "tokens": tokens,
            "order": order.json()["id"],
            "stop": stop_id,
            "project": project.json()["id"],
            "kind": kind,
        }


def area_grid(db, code: str) -> int:
    from gridcare.grids.models import Grid

    with db.read() as session:
        return session.scalars(select(Grid.id).where(Grid.code == code)).one()


def test_work_order_attachments_are_sniffed_and_stored_safely(world):
    up, token, order = world["client"], world["tokens"]["admin"], world["order"]
    path = f"/api/v1/work-orders/{order}/attachments"
    allowed = ("image/jpeg", "image/png", "image/webp", "image/heic", "application/pdf")
    stored = up.send(
        path,
        "file",
        ("../../etc/passwd", HEADERS["pdf"] + b"report", "text/html"),
        token,
        allowed=allowed,
    )
    assert (
        stored["media_type"] == "application/pdf"
        and "/" not in stored["filename"]
        and stored["filename"] == "passwd"
    )

    @EXAMPLES
    @given(uploads())
    def run(upload: tuple[str, bytes, str]) -> None:
        answer = up.send(path, "file", upload, token, allowed=allowed)
        if answer is not None:
            assert answer["media_type"] == sniff(upload[1])  # never the declared type
            assert (
                "/" not in answer["filename"]
                and "\\x00" not in answer["filename"]
                and len(answer["filename"]) <= 200
            )
            got = up.client.get(
                f"{path}/{answer['id']}", headers={"Authorization": f"Bearer {token}"}
            )
            assert got.status_code == 200 and got.content == upload[1]
            assert got.headers["content-type"].split(";")[0] == answer["media_type"]

    run()


def test_patrol_photos_are_sniffed_and_stored_safely(world):
    up, token, stop, kind = world["client"], world["tokens"]["w_rep"], world["stop"], world["kind"]
    path = f"/api/v1/field/stops/{stop}/findings"

    @EXAMPLES
    @given(uploads())
    def run(upload: tuple[str, bytes, str]) -> None:
        up.send(path, "photo", upload, token, form={"kind": kind, "note": "阀门漏水"})

    run()
    # The check-in takes several photos; one bad one refuses them all.
    refused = up.send(
        f"/api/v1/field/stops/{stop}/check-in",
        "photos",
        ("../x.png", HEADERS["html"], "image/png"),
        token,
    )
    assert refused is None


def test_supervision_photos_are_sniffed_and_stored_safely(world):
    up, token, project = world["client"], world["tokens"]["rep"], world["project"]
    path = f"/api/v1/contractors/projects/{project}/logs"

    @EXAMPLES
    @given(uploads())
    def run(upload: tuple[str, bytes, str]) -> None:
        up.send(path, "photo", upload, token, form={"note": "现场检查"})

    run()


@pytest.mark.parametrize("target", ["order", "stop", "project"])
def test_a_photo_over_the_limit_is_refused(world, target):
    up, tokens = world["client"], world["tokens"]
    big = ("big.png", HEADERS["png"] + b"\x00" * MAX_BYTES, "image/png")
    if target == "order":
        assert (
            up.send(
                f"/api/v1/work-orders/{world['order']}/attachments", "file", big, tokens["admin"]
            )
            is None
        )
    elif target == "stop":
        assert (
            up.send(
                f"/api/v1/field/stops/{world['stop']}/findings",
                "photo",
                big,
                tokens["w_rep"],
                form={"kind": world["kind"]},
            )
            is None
        )
    else:
        assert (
            up.send(
                f"/api/v1/contractors/projects/{world['project']}/logs",
                "photo",
                big,
                tokens["rep"],
                form={"note": "x"},
            )
            is None
        )


def raw_multipart(
    field: str, filename: bytes, data: bytes, form: dict[str, str]
) -> tuple[bytes, str]:
    """A body as a client other than httpx may write it: the name's bytes unescaped."""
    boundary = "fuzzboundary0123456789"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in form.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="'.encode()
        + filename
        + b'"\r\nContent-Type: image/png\r\n\r\n'
        + data
        + b"\r\n"
    )
    return b"".join(
        parts
    ) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    "name",
    [
        b"a\x00b.png",
        b"\x01\x02\x1b[31m.png",
        b"../../\x00etc/passwd",
        "照片.png".encode("gbk"),
        b"\xff\xfe.png",
    ],
)
def test_raw_file_names_with_control_bytes_are_stored_cleaned_or_refused(world, name):
    up, tokens = world["client"], world["tokens"]
    png = HEADERS["png"] + name
    for path, field, token, form in (
        (f"/api/v1/work-orders/{world['order']}/attachments", "file", tokens["admin"], {}),
        (
            f"/api/v1/field/stops/{world['stop']}/findings",
            "photo",
            tokens["w_rep"],
            {"kind": world["kind"]},
        ),
        (
            f"/api/v1/contractors/projects/{world['project']}/logs",
            "photo",
            tokens["rep"],
            {"note": "x"},
        ),
    ):
        body, content_type = raw_multipart(field, name, png, form)
        response = up.client.post(
            path,
            content=body,
            headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
        )
        assert response.status_code < 500, (path, response.text[:300])
        if response.status_code < 300 and "filename" in response.json():
            assert not any(ch < " " for ch in response.json()["filename"])
