from __future__ import annotations

from alembic import context

from gridcare.db import make_engine
from gridcare.migrations_runner import compared
from gridcare.models import metadata

config = context.config


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=metadata, literal_binds=True, render_as_batch=True, include_object=compared)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=metadata, render_as_batch=True, include_object=compared)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"), one_shot=True)
    with engine.connect() as connection:
        # SQLite batch migrations copy tables; foreign keys would block the copy.
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()  # the PRAGMA autobegan a transaction; Alembic must own its own
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, include_object=compared)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
