"""Database plumbing shared by every feature: the UTC datetime type, SQLite set-up and
`write_transaction()`, the one way operations open a transaction that writes."""

from __future__ import annotations

import contextvars
import functools
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC
from typing import Any, cast

from sqlalchemy import Date, DateTime, bindparam, event, exc, func, insert, literal, select, true, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    MANYTOONE,
    InstrumentedAttribute,
    ORMExecuteState,
    Session,
    attributes,
    make_transient_to_detached,
    scoped_session,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.expression import ColumnElement, FunctionElement, TableClause
from sqlalchemy.types import TypeDecorator

from hotline.core.clock import local_zone, now

log = logging.getLogger("hotline.core.db")


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out. SQLite keeps naive UTC text, which
    sorts and compares correctly; PostgreSQL keeps timestamptz."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class local_day(FunctionElement[Any]):
    """The local calendar day of a UTC column, in SQL (the centre's time zone). PostgreSQL
    converts with the zone's rules; SQLite, which has none, adds the zone's offset now in
    force (the centres' zone, China's, has had one offset since 1991)."""

    type = Date()
    inherit_cache = True

    def __init__(self, column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> None:
        super().__init__(column)


@compiles(local_day, "postgresql")
def _local_day_postgres(element: local_day, compiler: Any, **kw: Any) -> str:
    zone = str(local_zone()).replace("'", "")
    return f"CAST(timezone('{zone}', {compiler.process(element.clauses, **kw)}) AS DATE)"


@compiles(local_day, "sqlite")
def _local_day_sqlite(element: local_day, compiler: Any, **kw: Any) -> str:
    offset = int(now().astimezone(local_zone()).utcoffset().total_seconds())  # type: ignore[union-attr]
    return f"date({compiler.process(element.clauses, **kw)}, '{offset:+d} seconds')"


# Set while an operation's write transaction is being opened: on SQLite the transaction
# then starts with BEGIN IMMEDIATE, so writers queue on the busy timeout instead of
# failing when their read snapshot turns stale.
_writing = contextvars.ContextVar("hotline_writing", default=False)


# A pooled connection idle for longer than this is pinged before it is handed out again.
PING_AFTER_IDLE_SECONDS = 10.0
_idle_clock = time.monotonic  # the tests move it forward


def ping_idle_connections(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Check a pooled connection before use only when it has been idle a while (the server
    may have restarted or dropped it meanwhile); a dead one is replaced transparently.

    SQLAlchemy's `pool_pre_ping` pings at every checkout, and a session checks out once
    per transaction: an intake paid three extra round trips for it. A connection in use
    under load is seconds old, so it is simply used."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["hotline.idle_since"] = _idle_clock()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("hotline.idle_since")
        if idle_since is None or _idle_clock() - idle_since < idle_seconds:
            return
        try:
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
            dbapi_connection.rollback()  # the ping opened a transaction: hand the connection out idle
        except Exception as error:  # any failure: the pool retries with a fresh connection
            raise exc.DisconnectionError(f"pooled connection is gone: {error}") from error


def configure_postgres(engine: Engine) -> None:
    """Each new connection runs without JIT compilation. PostgreSQL compiles any plan that
    costs more than `jit_above_cost` to machine code first, and for this application's
    aggregates that took longer than the query: a month's assessment over ten million
    appeals spent 1.5 s compiling (across its parallel workers) for 1.4 s of execution.
    Transactions are READ COMMITTED whatever the server's default: `write_transaction`
    turns a request's read transaction into its write, which needs each statement to see
    what was committed before it.

    psycopg caches how it converts a statement's placeholders only for statements of up
    to 50 parameters and 4,096 characters, and an intake's one INSERT of the appeal, its
    event and its receipt has some 100 parameters in 5,000 characters: without higher
    limits every intake parses its own statement again."""
    from psycopg import _queries as psycopg_queries

    from hotline.core.pg_cursor import DescribedOnDemand

    psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = max(psycopg_queries.MAX_CACHED_STATEMENT_PARAMS, 256)
    psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = max(psycopg_queries.MAX_CACHED_STATEMENT_LENGTH, 16_384)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.cursor_factory = DescribedOnDemand
        cursor = dbapi_connection.cursor()
        cursor.execute("SET jit = off; SET default_transaction_isolation = 'read committed'")
        cursor.close()
        dbapi_connection.commit()


def configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    """WAL, busy timeout, foreign keys, and real transactions (pysqlite's own
    transaction handling defers BEGIN until the first write)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _writing.get() else "BEGIN")


_AFTER_COMMIT = "hotline.after_commit"


def _current(session: Session | scoped_session[Any]) -> Session:
    """The plain Session behind `session` (a scoped session's current one), whose `info`
    the helpers here keep their state in."""
    return session() if isinstance(session, scoped_session) else session


def after_commit(session, callback) -> None:
    """Run `callback()` once the current write transaction has committed (never if it
    rolls back). Registering the same callback twice runs it once."""
    session = _current(session)
    callbacks = session.info.setdefault(_AFTER_COMMIT, [])
    if callback not in callbacks:
        callbacks.append(callback)


_TRANSACTION_LISTS = "hotline.transaction_lists"


def transaction_list(session, key: str) -> list[Any]:
    """A list kept for the current write transaction only (what an after-commit callback
    will take, such as the outbox's new rows): a rollback drops it."""
    session = _current(session)
    return session.info.setdefault(_TRANSACTION_LISTS, {}).setdefault(key, [])


def take_transaction_list(session, key: str) -> list[Any]:
    """The list `key` of the transaction just committed, emptied for the next one."""
    session = _current(session)
    return session.info.get(_TRANSACTION_LISTS, {}).pop(key, [])


def _run_after_commit(session) -> None:
    for callback in session.info.pop(_AFTER_COMMIT, []):
        try:
            callback()
        except Exception:  # the change is committed; a failed follow-up is retried later
            log.exception("after-commit callback %r failed", callback)


class ConcurrentUpdate(Exception):
    """Another transaction changed the same rows first."""


def is_lock_timeout(exc: OperationalError) -> bool:
    return "database is locked" in str(exc.orig)


@contextmanager
def write_transaction(session) -> Iterator[None]:
    """One transaction for one action: commits on success, rolls back on any error.

    A read-only transaction the request already opened (the sign-in's) becomes the write
    on PostgreSQL, where each statement of a READ COMMITTED transaction sees every row
    committed before it (two round trips fewer per action); on SQLite it is ended first,
    as the write must begin with BEGIN IMMEDIATE. Either way the write sees fresh rows
    (what it reads to change, it reads with populate_existing). Committing leaves loaded
    objects as they are: what the transaction wrote is what the objects hold, so nothing
    is read again after the commit. A lost optimistic-locking race raises ConcurrentUpdate."""
    session = _current(session)
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_transaction() entered with unflushed changes")
    if not (session.in_transaction() and session.get_bind().dialect.name == "postgresql"):
        if session.in_transaction():
            _commit_keeping_objects(session)  # a read-only transaction: nothing to write
        token = _writing.set(True)
        try:
            session.connection()  # begin now, while the write flag is set
        finally:
            _writing.reset(token)
    try:
        yield
        _commit_keeping_objects(session)
    except StaleDataError as exc:
        _rollback(session)
        raise ConcurrentUpdate(str(exc)) from exc
    except OperationalError as exc:
        _rollback(session)
        if is_lock_timeout(exc):
            raise ConcurrentUpdate(str(exc)) from exc
        raise
    except BaseException:
        _rollback(session)
        raise
    _run_after_commit(session)


@contextmanager
def planned_for_their_values(session) -> Iterator[None]:
    """Statements run in the block are planned for the values they carry, each time.

    psycopg prepares a statement on the server once it has run five times, and PostgreSQL
    then plans it for any value; for "state = $1" that plan reads every appeal of the state
    instead of an empty work list. Unlike `plan_cache_mode = force_custom_plan`, this leaves
    the server's own cached plans alone: the foreign-key checks of the rows the block
    inserts keep the plan they made once instead of planning again for each row."""
    connection: Any = _current(session).connection().connection.driver_connection
    if not hasattr(connection, "prepare_threshold"):  # SQLite: nothing is prepared
        yield
        return
    kept = connection.prepare_threshold
    connection.prepare_threshold = None
    try:
        yield
    finally:
        connection.prepare_threshold = kept


# Set when a transaction ran an UPDATE or DELETE statement (the sweep, the outbox …): the
# objects in the session may then be stale, so its commit expires them as usual.
_BULK_CHANGE = "hotline.bulk_change"


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_change(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        changed_in_bulk(state.session)


def changed_in_bulk(session: Session | scoped_session[Any]) -> None:
    """Say that the current transaction changed rows behind the loaded objects' backs (a
    statement the ORM does not see as an UPDATE, such as a data-modifying CTE)."""
    session.info[_BULK_CHANGE] = True


def _commit_keeping_objects(session: Session) -> None:
    expire, session.expire_on_commit = session.expire_on_commit, bool(session.info.pop(_BULK_CHANGE, False))
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


def _rollback(session) -> None:
    session.info.pop(_AFTER_COMMIT, None)
    session.info.pop(_BULK_CHANGE, None)
    session.info.pop(_TRANSACTION_LISTS, None)
    session.rollback()


_TOGETHER = "hotline.inserts_together"


def insert_as_loaded(session: Session | scoped_session[Any], obj: Any) -> None:
    """INSERT a new object's row with a Core statement and put the object in the session as
    if it had been loaded: what the flush would do for a plain new row, without the unit
    of work (a third of an intake's CPU went to it). Column defaults are applied here, so
    the object holds every value; what only the database knows (a generated key, a server
    default) comes back by RETURNING. Relationships are not followed: set the foreign keys,
    and whatever the object refers to must already be in the database (or go in with it,
    inside `inserts_together`)."""
    session = _current(session)
    row = _NewRow(obj)
    if (together := session.info.get(_TOGETHER)) is not None:
        together.append(row)
        return
    # On the connection: a Core statement needs none of the ORM's execution.
    statement = _insert_statement((row.shape_returning(row.returned_keys),))
    result = session.connection().execute(statement, row.parameters(0))
    row.finish(session, result.one() if row.returned else ())


def update_as_loaded(session: Session | scoped_session[Any], obj: Any) -> None:
    """UPDATE a loaded object's changed columns now with one Core statement guarded by its
    version (`version_id_col`), and hold the new values as loaded: what the flush would do
    for one changed row, without the unit of work (a tenth of an action's instructions).
    A changed many-to-one relationship writes its foreign key, as the flush would sync it;
    Python-side `onupdate` values are applied here, so the object holds every value. A row
    changed meanwhile by someone else raises StaleDataError, as the flush would. What it
    cannot write is left to the flush: rows added to or taken from a collection, a
    relationship to an object not in the database yet, an object without a version.
    Inside `inserts_together` the UPDATE is one of the block's statements (its count comes
    back with their keys), so it is checked, and the object holds its values, when the
    block ends."""
    session = _current(session)
    state = sa_inspect(obj)
    mapper = state.mapper
    if mapper.version_id_col is None or not state.committed_state:
        return
    values: dict[str, Any] = {}
    settled: dict[str, Any] = {}  # relationships whose change this UPDATE writes (or that did not change)
    for key in state.committed_state:
        prop = mapper.attrs[key]
        if key in mapper.column_attrs:
            values.setdefault(key, obj.__dict__[key])
        elif prop.uselist:
            history = attributes.get_history(obj, key)
            if not (history.added or history.deleted):
                settled[key] = obj.__dict__[key]  # assigned, but holding the same rows
        elif prop.direction is MANYTOONE and prop.secondary is None:
            target = obj.__dict__[key]
            target_state = None if target is None else sa_inspect(target)
            if target_state is not None and target_state.key is None:
                return  # not in the database yet: the flush inserts it first
            for local, remote in prop.local_remote_pairs:
                remote_key = prop.mapper.get_property_by_column(remote).key
                values[mapper.get_property_by_column(local).key] = (
                    None if target is None else target.__dict__[remote_key]
                )
            settled[key] = target
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if prop.key not in values and column.onupdate is not None and column.onupdate.is_callable:
            values[prop.key] = column.onupdate.arg(None)
    version_key = mapper.get_property_by_column(mapper.version_id_col).key
    seen = obj.__dict__[version_key]
    values[version_key] = mapper.version_id_generator(seen)
    keys = tuple(prop.key for prop in mapper.column_attrs if prop.key in values)  # the same order each time
    parameters = {f"new_{key}": values[key] for key in keys}
    parameters |= {f"key_{c.key}": obj.__dict__[mapper.get_property_by_column(c).key] for c in mapper.primary_key}
    parameters["seen_version"] = seen
    row = _UpdatedRow(_counted_update(mapper, keys), parameters, obj, {**values, **settled})
    if (together := session.info.get(_TOGETHER)) is not None:
        together.append(row)  # one of the block's statements: its count comes back with them
        return
    result = session.connection().execute(_update_statement(mapper, keys, ""), parameters)
    row.finish(session, (result.rowcount,))


@functools.cache
def _update_statement(mapper: Any, keys: tuple[str, ...], prefix: str) -> Any:
    """The UPDATE of these columns of a mapped row by key and seen version, its parameters
    named after `prefix`, built once."""
    table = mapper.local_table
    columns = {key: mapper.get_property(key).columns[0] for key in keys}
    version = mapper.version_id_col
    return (
        update(table)
        .where(
            *(c == bindparam(f"{prefix}key_{c.key}", type_=c.type) for c in mapper.primary_key),
            version == bindparam(f"{prefix}seen_version", type_=version.type),
        )
        .values({column: bindparam(f"{prefix}new_{key}", type_=column.type) for key, column in columns.items()})
    )


@functools.cache
def _counted_update(mapper: Any, keys: tuple[str, ...]) -> Callable[[str], Any]:
    """The builder of that UPDATE as a block's statement: how many rows it changed (one, or
    none when the version moved on), as the one column of its one row."""

    def build(prefix: str) -> Any:
        changed = _update_statement(mapper, keys, prefix).returning(literal(1)).cte(f"{prefix}updated")
        return select(func.count()).select_from(changed)

    return build


def insert_row(session: Session | scoped_session[Any], build: Callable[[str], Any], values: dict[str, Any]) -> None:
    """Run the INSERT that `build(prefix)` makes, its parameters named `prefix` + each key of
    `values`, returning one column of its one row (an ON CONFLICT clause is welcome): for a
    table outside the ORM. Inside `inserts_together` it goes in with the block's rows, as
    one of its statements. `build` is called once per position in a block and kept: give
    a function that lives as long as the process (a module's, or a method of a constant)."""
    session = _current(session)
    row = _BuiltRow(build, values)
    if (together := session.info.get(_TOGETHER)) is not None:
        together.append(row)
        return
    session.connection().execute(_insert_statement((row.shape,)), row.parameters(0))


@contextmanager
def inserts_together(session: Session | scoped_session[Any]) -> Iterator[None]:
    """On PostgreSQL, what `insert_as_loaded` and `insert_row` are given inside the block
    goes in when the block ends, in one statement of data-modifying CTEs: one round trip,
    not one per row. Nothing inside may read those rows or need a key the database
    generates for them before the block ends. Elsewhere (SQLite runs in process: no round
    trips to save) each row goes in at once."""
    session = _current(session)
    if session.get_bind().dialect.name != "postgresql" or _TOGETHER in session.info:
        yield
        return
    rows: list[_PendingRow] = []
    session.info[_TOGETHER] = rows
    try:
        yield
    finally:
        del session.info[_TOGETHER]
    if not rows:
        return
    statement = _insert_statement(tuple(r.shape for r in rows))
    parameters = {k: v for i, r in enumerate(rows) for k, v in r.parameters(i).items()}
    got = session.connection().execute(statement, parameters).one()
    at = 0
    for r in rows:
        r.finish(session, got[at : at + r.width])
        at += r.width


@functools.cache
def _insert_statement(shapes: tuple[tuple[Any, tuple[str, ...], tuple[str, ...]], ...]) -> Any:
    """The INSERT of rows of these shapes (a table or a builder, the columns given, the
    columns returned), built once per shape: its parameters are named, not literal, so the
    compiled form is cached too. One row: a plain INSERT … RETURNING; more: one
    data-modifying CTE each, their RETURNING side by side."""

    def one(i: int, target: Any, given: tuple[str, ...], returned: tuple[str, ...]) -> Any:
        if not isinstance(target, TableClause):
            return target(f"r{i}_")  # an insert_row's builder: it returns its one column
        values = {key: bindparam(f"r{i}_{key}", type_=target.c[key].type) for key in given}
        statement = insert(target).values(values)
        return statement.returning(*(target.c[key] for key in returned)) if returned else statement

    if len(shapes) == 1:
        return one(0, *shapes[0])
    inserted = [one(i, *shape).cte(f"inserted_{i}") for i, shape in enumerate(shapes)]
    both: Any = inserted[0]
    for cte in inserted[1:]:
        both = both.join(cte, true())  # one row each: their RETURNING side by side
    return select(*(c for cte in inserted for c in cte.c)).select_from(both)


class _PendingRow:
    """A row to insert: its values, named in a statement by the row's position."""

    values: dict[str, Any]

    @property
    def width(self) -> int:
        """How many columns it returns in a block of inserts."""
        return 1

    @property
    def shape(self) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        """What `_insert_statement` builds the row's INSERT in a block from."""
        raise NotImplementedError

    def parameters(self, i: int) -> dict[str, Any]:
        """The values, named as `_insert_statement` names them for the `i`th row."""
        return {f"r{i}_{key}": value for key, value in self.values.items()}

    def finish(self, session: Session, returned: Sequence[Any]) -> None:
        """Take what came back for it."""


class _NewRow(_PendingRow):
    """A new object's row: its values (defaults applied) and the columns the database fills."""

    def __init__(self, obj: Any) -> None:
        mapper = sa_inspect(obj).mapper
        self.obj, self.table = obj, mapper.local_table
        self.values: dict[str, Any] = {}
        self.returned: list[tuple[str, Any]] = []
        for prop in mapper.column_attrs:
            column = prop.columns[0]
            if column.primary_key and obj.__dict__.get(prop.key) is None:
                self.returned.append((prop.key, column))  # generated by the database
                continue
            if prop.key in obj.__dict__:
                value = obj.__dict__[prop.key]
            elif column is mapper.version_id_col:
                value = 1
            elif column.default is not None and column.default.is_scalar:
                value = column.default.arg
            elif column.default is not None and column.default.is_callable:
                value = column.default.arg(None)  # a callable taking no context
            elif column.default is not None or column.server_default is not None:
                self.returned.append((prop.key, column))  # an SQL expression or the server's: the insert applies it
                continue
            else:
                value = None
            obj.__dict__[prop.key] = self.values[column.key] = value

    @property
    def returned_keys(self) -> tuple[str, ...]:
        return tuple(column.key for _, column in self.returned)

    @property
    def _block_keys(self) -> tuple[str, ...]:
        """What the row returns in a block of inserts, where every statement returns
        something to stand in the final SELECT: what the database fills, else its key."""
        return self.returned_keys or tuple(c.key for c in self.table.primary_key.columns)

    @property
    def width(self) -> int:
        return len(self._block_keys)

    @property
    def shape(self) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        return self.shape_returning(self._block_keys)

    def shape_returning(self, keys: tuple[str, ...]) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        """Its INSERT's shape: its table, the columns given, the columns `keys` returned."""
        return self.table, tuple(self.values), keys

    def finish(self, session: Session, returned: Sequence[Any]) -> None:
        """Take what came back (the columns the database filled first, in their order), and
        make the object one the session holds as loaded."""
        self.obj.__dict__.update({key: returned[i] for i, (key, _) in enumerate(self.returned)})
        make_transient_to_detached(self.obj)
        session.add(self.obj)


class _BuiltRow(_PendingRow):
    """An `insert_row`: a row of a table outside the ORM, by its statement's builder."""

    def __init__(self, build: Callable[[str], Any], values: dict[str, Any]) -> None:
        self.build, self.values = build, values

    @property
    def shape(self) -> tuple[Any, tuple[str, ...], tuple[str, ...]]:
        return self.build, tuple(self.values), ()


class _UpdatedRow(_BuiltRow):
    """An `update_as_loaded`: the count of rows its UPDATE changed comes back."""

    def __init__(self, build: Callable[[str], Any], values: dict[str, Any], obj: Any, loaded: dict[str, Any]) -> None:
        super().__init__(build, values)
        self.obj, self.loaded = obj, loaded

    def finish(self, session: Session, returned: Sequence[Any]) -> None:
        """Hold the written values as loaded, or raise StaleDataError if nothing changed."""
        if returned[0] != 1:
            name, seen = type(self.obj).__name__, self.values["seen_version"]
            raise StaleDataError(f"{name} was changed meanwhile (version {seen})")
        for key, value in self.loaded.items():
            attributes.set_committed_value(self.obj, key, value)
        state = sa_inspect(self.obj)
        if not state.committed_state:
            state._commit_all(state.dict, session.identity_map)  # nothing left for the flush


def plain_rows(
    session: Session | scoped_session[Any], statement: Any, parameters: dict[str, Any] | None = None
) -> Result[Any]:
    """Run a select of columns (not of mapped objects) as Core does: the driver's rows, without
    the ORM's per-row loading, which cost a dashboard or an assessment of a province's
    2,000 units more than its SQL."""
    return session.connection().execute(statement, parameters)


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE run through `Session.execute` changed."""
    return cast("CursorResult[Any]", result).rowcount


def upsert(session: Session | scoped_session[Any], table: Any) -> sqlite.Insert | postgresql.Insert:
    """An INSERT of the session's dialect that takes ON CONFLICT clauses (both databases we
    run on speak the same upsert)."""
    dialect = session.get_bind().dialect.name
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
