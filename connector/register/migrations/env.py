"""Alembic environment: runs on the connection the register hands over (never reads alembic.ini)."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import connector.register.tables  # noqa: F401  (registers the tables on SQLModel.metadata)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
