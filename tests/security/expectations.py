"""What every route may do, by role: the table the scope matrix checks the application against.

Every route of ``create_app()`` must have an entry in expect_core.py, expect_ops.py or
expect_field.py (a new endpoint fails the matrix until someone says what it may show and who
may call it). Reads (``G``) name the kind of row their path points at; the matrix checks
that nobody gets a row outside their scope and that no response carries another scope's
markers. Writes (``W``) also say which roles may make the
change (``allow``) and give a body that would succeed for them: everyone else, and the allowed
roles on rows outside their scope, must be refused with the database left untouched.

Bodies are callables ``(params, world) -> dict`` where they depend on the row (``params`` are
the row's path parameters) or on the world's reference ids (``world.refs``). A dict body with
``"__form__": True`` is sent as a form; ``"__files__"`` adds uploads."""

from __future__ import annotations

from tests.security.expect_core import CORE
from tests.security.expect_field import FIELD
from tests.security.expect_ops import OPS
from tests.security.spec import Spec

EXPECT: dict[str, Spec] = {**CORE, **OPS, **FIELD}
assert len(EXPECT) == len(CORE) + len(OPS) + len(FIELD), "a route is listed twice"
