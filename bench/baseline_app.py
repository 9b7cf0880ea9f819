"""The baseline for bench/intake.py: a bare FastAPI endpoint that validates the same body
and inserts one row into the same database, with nothing else (no customer match, no grid,
no SLA, no dispatch, no audit, no outbox). Run by the benchmark as its own server process."""

from __future__ import annotations

import os

from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, Text, create_engine, event

from gridcare.workorders.schemas import OrderIn

url = os.environ["GRIDCARE_DATABASE_URL"]
# PostgreSQL: a pool that keeps every connection, as gridcare's does (with overflow, each
# burst closed connections and forked new server processes, and the baseline measured that).
engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}) if url.startswith("sqlite") else create_engine(url, pool_size=20, max_overflow=0)
if url.startswith("sqlite"):

    @event.listens_for(engine, "connect")
    def _pragmas(conn, _record):  # noqa: ANN001
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA busy_timeout=15000")


meta = MetaData()
table = Table("bench_baseline", meta, Column("id", Integer, primary_key=True), Column("category", String(20)), Column("account", String(40)), Column("description", Text))
meta.create_all(engine)
app = FastAPI()


@app.post("/insert", status_code=201)
def insert(body: OrderIn) -> dict[str, int]:
    with engine.begin() as conn:
        row = conn.execute(table.insert().values(category=body.category, account=body.account, description=body.description))
    return {"id": row.inserted_primary_key[0]}
