"""Alembic environment: the URL comes from the config that geo.db builds, never from a file."""

from alembic import context
from sqlalchemy import create_engine

import membership.tables
import membership.worker_requests.tables  # noqa: F401  (their tables belong to the same schema)
import officers.tables  # noqa: F401
import visits.tables  # noqa: F401
from geo.models import Base

config = context.config
url = config.get_main_option("sqlalchemy.url")
if url is None:
    raise RuntimeError("no database URL: run the migrations with `yizhan db migrate`")

if context.is_offline_mode():
    context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
