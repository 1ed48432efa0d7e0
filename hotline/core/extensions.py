"""Flask extensions, created unbound and initialised in create_app()."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, registry

from hotline.core.db import UTCDateTime

# Named constraints, so Alembic batch mode can alter them on SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    # On the registry, not the class: Flask-SQLAlchemy subclasses this base.
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={
            datetime: UTCDateTime(),
            # None is SQL NULL (not JSON null), so "IS NULL" means "has none".
            dict: JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
            list: JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql"),
        },
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate(render_as_batch=True, compare_type=True)

# Every model's base. Flask-SQLAlchemy makes `db.Model` at run time (it names tables and
# binds sessions); type checkers see the declarative base it is built on.
if TYPE_CHECKING:

    class Model(Base):
        __abstract__ = True

else:
    Model = db.Model
