"""Alembic environment: the engine is handed over by ``engine.store.db.alembic_config``."""

from __future__ import annotations

from alembic import context

from engine.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # run by the alembic command line tool during development
    from engine.config import load_settings
    from engine.store.db import make_engine

    engine = make_engine(load_settings().database.url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
