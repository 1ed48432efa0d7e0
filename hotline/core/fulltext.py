"""Full-text search for Chinese text, the same on SQLite (FTS5) and PostgreSQL (tsvector).

Neither database's own tokeniser segments Chinese: SQLite's unicode61 and PostgreSQL's
parser both take a run of Han characters for one word, so 停车 would never find
小区停车位紧张. The text is tokenised here instead, as search engines without a
dictionary do: every run of Han characters becomes its overlapping character bigrams
(停车位 → 停车 车位; a lone character stays itself), Latin letters and digits become
lower-case words, everything else separates. A query is tokenised the same way and
matches a document holding all its terms (when none does, any of them, ranked); a
one-character query matches the terms that begin with it.

An `Index` is one table of documents keyed by the id of the row they describe, with up to
four weighted fields (the first weighs most: a title before its body). On SQLite it is an
FTS5 table of the space-separated terms, ranked by bm25; on PostgreSQL a table of
tsvectors written in the type's own input syntax (which bypasses the parser and its
dictionaries), under a GIN index, ranked by ts_rank. Neither is in the ORM's metadata: the
migration that creates one says how, per database (`IGNORED_TABLES` keeps Alembic's
comparison off them)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Connection,
    Float,
    Integer,
    Subquery,
    TextClause,
    cast,
    column,
    exists,
    literal,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSQUERY
from sqlalchemy.orm import InstrumentedAttribute, Session, scoped_session

from hotline.core.db import insert_row

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_HAN}]+|[a-z0-9]+")
_IS_HAN = re.compile(f"[{_HAN}]")
_WEIGHTS = "ABCD"  # PostgreSQL's weight letters, the first field's first
_SQLITE_FIELD_WEIGHTS = (10.0, 3.0, 1.0, 0.5)
MAX_QUERY_TERMS = 32
# How callers phrase a question, not what it is about: left out when any term will do
# (when other terms remain), so 电梯故障困人怎么办 does not answer 社保卡丢了怎么补办.
QUESTION_WORDS = frozenset(
    {
        "怎么",
        "么办",
        "怎样",
        "如何",
        "何办",
        "什么",
        "咨询",
        "请问",
        "想问",
        "问一",
        "一下",
        "哪些",
        "哪里",
        "是否",
        "为什",
    }
)


def terms(content: str | None) -> list[str]:
    """The terms of `content`, in order (repeats kept: they count for ranking)."""
    found: list[str] = []
    for token in _TOKEN.findall(unicodedata.normalize("NFKC", content or "").lower()):
        if _IS_HAN.match(token) and len(token) > 1:
            found.extend(token[i : i + 2] for i in range(len(token) - 1))
        else:
            found.append(token)
    return found


def query_terms(query: str) -> list[str]:
    """The distinct terms of a query, in order, at most MAX_QUERY_TERMS. A lone Han
    character is searched as a prefix (车 finds 车位), which costs the GIN index a scan of
    every word starting with it, so it is searched only when the query has nothing else
    (崇山路15号 is searched as 崇山 山路 15, not also 号)."""
    found = list(dict.fromkeys(terms(query)))
    longer = [t for t in found if not _is_prefix(t)]
    return (longer or found)[:MAX_QUERY_TERMS]


def _is_prefix(term: str) -> bool:
    return len(term) == 1 and bool(_IS_HAN.match(term))


def _tsquery(found: list[str], *, every: bool, weight: str = "") -> str:
    """A tsquery in the type's input syntax (terms are Han characters, a-z and 0-9 only)."""
    joiner = " & " if every else " | "
    return joiner.join(
        f"'{t}':*{weight}" if _is_prefix(t) else f"'{t}'" + (f":{weight}" if weight else "") for t in found
    )


def _fts5_query(found: list[str], *, every: bool) -> str:
    joiner = " AND " if every else " OR "
    return joiner.join(f'"{t}" *' if _is_prefix(t) else f'"{t}"' for t in found)


Database = Session | scoped_session | Connection
Key = ColumnElement[Any] | InstrumentedAttribute[Any]  # the indexed rows' id column


def _dialect(database: Database) -> str:
    return database.dialect.name if isinstance(database, Connection) else database.get_bind().dialect.name


@dataclass(frozen=True)
class Index:
    table: str
    fields: tuple[str, ...]  # by weight, heaviest first
    # On PostgreSQL each document may also carry scopes (integers, e.g. the units an appeal
    # reached) under the same GIN index as its terms, so that "the documents of scope 7
    # holding 井盖" is one index scan, not every 井盖 document tested against scope 7's list.
    scoped: bool = False

    def keeps_scopes(self, database: Database) -> bool:
        return self.scoped and _dialect(database) == "postgresql"

    def add_scopes(self, database: Database, doc_id: int, scopes: Iterable[int]) -> None:
        """Add `scopes` to the document of `doc_id` (written before or after its text), in
        the caller's transaction. Nothing where the index keeps no scopes."""
        scopes = sorted(set(scopes))
        if not scopes or not self.keeps_scopes(database):
            return
        database.execute(text(self.scopes_upsert(":scopes")), {"doc_id": doc_id, "scopes": scopes})

    def scopes_upsert(self, scopes: str) -> str:
        """PostgreSQL's statement adding the integer array `scopes` (an SQL expression) to
        the document of :doc_id, for a caller that composes it with statements of its own."""
        return (
            f"INSERT INTO {self.table} (doc_id, document, scopes) VALUES (:doc_id, '', {scopes}) "
            f"ON CONFLICT (doc_id) DO UPDATE SET scopes = ARRAY("
            f"SELECT DISTINCT s FROM unnest({self.table}.scopes || EXCLUDED.scopes) AS s ORDER BY s)"
        )

    def put(self, database: Database, row: Any) -> None:
        """Write (or rewrite) the document of `row` (an object with an `id` and an attribute
        per field), in the caller's transaction; inside `core.db.inserts_together`, with the
        block's rows on PostgreSQL (a new appeal and its document: one statement)."""
        texts = {name: getattr(row, name) for name in self.fields}
        if _dialect(database) == "postgresql" and not isinstance(database, Connection):
            insert_row(database, self._upsert, {"doc_id": row.id, "document": self.tsvector(texts)})
            return
        self.put_many(database, [(row.id, texts)])

    def _upsert(self, prefix: str) -> Any:
        """PostgreSQL's INSERT … ON CONFLICT of one document, its parameters named `prefix`
        + doc_id and document (see `core.db.insert_row`). Text: SQLAlchemy caches no
        compiled form of its own PostgreSQL upsert construct."""
        return text(
            f"INSERT INTO {self.table} (doc_id, document) "
            f"VALUES (:{prefix}doc_id, CAST(:{prefix}document AS tsvector)) "
            "ON CONFLICT (doc_id) DO UPDATE SET document = EXCLUDED.document RETURNING doc_id"
        ).columns(doc_id=Integer)

    def put_many(self, database: Database, documents: Iterable[tuple[int, Mapping[str, str | None]]]) -> None:
        documents = list(documents)
        if not documents:
            return
        if _dialect(database) == "postgresql":
            database.execute(
                text(
                    f"INSERT INTO {self.table} (doc_id, document) VALUES (:doc_id, CAST(:document AS tsvector)) "
                    "ON CONFLICT (doc_id) DO UPDATE SET document = EXCLUDED.document"
                ),
                [{"doc_id": doc_id, "document": self.tsvector(texts)} for doc_id, texts in documents],
            )
            return
        database.execute(text(f"DELETE FROM {self.table} WHERE rowid = :doc_id"), [{"doc_id": d} for d, _ in documents])
        columns = ", ".join(self.fields)
        values = ", ".join(f":{name}" for name in self.fields)
        database.execute(
            text(f"INSERT INTO {self.table} (rowid, {columns}) VALUES (:doc_id, {values})"),
            [{"doc_id": doc_id, **self.term_lines(texts)} for doc_id, texts in documents],
        )

    def ids(self, database: Database, query: str) -> TextClause | None:
        """SELECT of the ids of the documents holding every term of `query` (no ranking:
        for filtering a list). None when the query has no terms."""
        found = query_terms(query)
        if not found:
            return None
        if _dialect(database) == "postgresql":
            sql = f"SELECT doc_id FROM {self.table} WHERE document @@ CAST(:q AS tsquery)"
            return text(sql).bindparams(q=_tsquery(found, every=True))
        sql = f"SELECT rowid FROM {self.table} WHERE {self.table} MATCH :q"
        return text(sql).bindparams(q=_fts5_query(found, every=True))

    def holds(
        self, database: Database, key: Key, query: str, *, scope: int | None = None
    ) -> ColumnElement[bool] | None:
        """SQL condition: the document of the row whose id is `key` holds every term of
        `query` (and `scope`, where the index keeps scopes). On PostgreSQL a correlated
        EXISTS, which the planner may answer either way round: from the GIN index for a rare
        word, or row by row along the list's own order for a common one (a word in a sixth
        of ten million appeals would otherwise be a million ids to collect and sort). None
        when the query has no terms."""
        found = query_terms(query)
        if not found:
            return None
        assert scope is None or self.keeps_scopes(database), "this index keeps no scopes here"
        if _dialect(database) == "postgresql":
            index = table(self.table, column("doc_id"), column("document"), column("scopes", ARRAY(Integer)))
            tsquery = cast(literal(_tsquery(found, every=True)), TSQUERY)
            held = exists().where(index.c.doc_id == key, index.c.document.op("@@")(tsquery))
            return held if scope is None else held.where(index.c.scopes.contains([scope]))
        ids = self.ids(database, query)
        assert ids is not None, "the query has terms"
        return key.in_(ids)

    def matches(self, database: Database, query: str, *, every: bool = True) -> Subquery | None:
        """The documents matching `query`: columns doc_id, title_hit (the first field holds
        every term) and score (higher is better). None when the query has no terms.
        `every`: all terms must occur; otherwise any of them."""
        found = query_terms(query)
        if not every:
            found = [t for t in found if t not in QUESTION_WORDS] or found
        if not found:
            return None
        if _dialect(database) == "postgresql":
            sql = (
                f"SELECT doc_id, ts_rank(document, CAST(:q AS tsquery)) AS score, "
                f"document @@ CAST(:qa AS tsquery) AS title_hit FROM {self.table} "
                f"WHERE document @@ CAST(:q AS tsquery)"
            )
            any_field, first_field = _tsquery(found, every=every), _tsquery(found, every=True, weight="A")
        else:
            weights = ", ".join(str(w) for w in _SQLITE_FIELD_WEIGHTS[: len(self.fields)])
            sql = (
                f"SELECT rowid AS doc_id, -bm25({self.table}, {weights}) AS score, "
                f"rowid IN (SELECT rowid FROM {self.table} WHERE {self.table} MATCH :qa) AS title_hit "
                f"FROM {self.table} WHERE {self.table} MATCH :q"
            )
            any_field = _fts5_query(found, every=every)
            first_field = f"{self.fields[0]} : ({_fts5_query(found, every=True)})"
        return (
            text(sql)
            .bindparams(q=any_field, qa=first_field)
            .columns(doc_id=Integer, score=Float, title_hit=Boolean)
            .subquery(f"{self.table}_hits")
        )

    def term_lines(self, texts: Mapping[str, str | None]) -> dict[str, str]:
        """The document as FTS5 takes it: each field's terms, space-separated."""
        return {name: " ".join(terms(texts.get(name))) for name in self.fields}

    def tsvector(self, texts: Mapping[str, str | None]) -> str:
        """The document in tsvector input syntax: 'term':position+weight, positions counted
        across the fields in order (PostgreSQL keeps positions up to 16,383)."""
        positions: dict[str, list[str]] = {}
        position = 0
        for name, weight in zip(self.fields, _WEIGHTS, strict=False):
            for term in terms(texts.get(name)):
                position = min(position + 1, 16383)
                positions.setdefault(term, []).append(f"{position}{weight}")
        return " ".join(f"'{term}':{','.join(at[:256])}" for term, at in positions.items())


KNOWLEDGE = Index("knowledge_search", ("title", "keywords", "answer"))
APPEALS = Index("appeal_search", ("title", "address", "content"), scoped=True)

# Tables the indexes are made of (and FTS5's own shadow tables): not in the metadata.
IGNORED_TABLES = re.compile(rf"^({'|'.join(i.table for i in (KNOWLEDGE, APPEALS))})(_\w+)?$")
