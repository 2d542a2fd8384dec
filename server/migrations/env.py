"""Alembic environment: the app passes an open connection in `config.attributes`."""

from __future__ import annotations

from alembic import context

import server.models  # noqa: F401  (registers every table on Base.metadata)
from server.core.db import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through server.core.db.migrate(engine)")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
