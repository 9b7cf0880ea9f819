from __future__ import annotations

from datetime import timedelta
from typing import Any

from gridcare.audit import service
from gridcare.jobs import periodic


@periodic("audit.checkpoint", every=timedelta(minutes=10))
def seal(ctx: Any) -> None:
    with ctx.db.write() as session:
        service.seal_checkpoint(session, at=ctx.clock.now())
