"""Many rows written at once: bulk_create's contract (the objects get their ids, no signals, no save()), by
PostgreSQL's COPY where the database is PostgreSQL.

Django's bulk_create on PostgreSQL builds one INSERT of thousands of literal values per batch: each value goes
through the field's preparation, then psycopg quotes it into the statement's text and the server parses it back.
At 50,000 zones (a million rows of places, edges, periods, links and their history) that was most of a synthetic
map's build on a shared machine. COPY streams the values as they are; the ids are taken from the table's sequence
first (one query), so the objects know them, as bulk_create's do.

Only what the callers write is converted (the concrete fields' attribute values, geometries as EWKB, JSON, enums by
value, auto_now(_add) dates). tests/mapapp/test_bulk.py checks rows of several models against bulk_create's (edges,
pocket pieces, changes and places with their history); a model with other kinds of field needs a converter here.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence

import orjson
from django.contrib.gis.db.models import GeometryField
from django.contrib.gis.geos import GEOSGeometry
from django.db import connections, router, transaction
from django.db.models import JSONField, Model, sql
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

_CHUNK = 20_000  # rows a COPY takes at a time (the ids are one query per chunk)
# Ids in one `IN` list: well under SQLite's limit on a statement's parameters (32,766).
IDS_PER_QUERY = 20_000


def bulk_insert(model: type[Model], objs: Sequence[Model], *, batch_size: int = 2000) -> list[Model]:
    """model.objects.bulk_create(objs), by COPY on PostgreSQL. Returns the objects, their ids set."""
    objs = list(objs)
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not objs:
        return model._default_manager.bulk_create(objs, batch_size=batch_size)
    meta = model._meta
    pk = meta.pk
    # The id too (taken from the sequence below where not given); not a generated column, which the database
    # writes itself and refuses to be given (as bulk_create leaves it out).
    fields = [field for field in meta.concrete_fields if not field.generated]
    convert = [_converter(field) for field in fields]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for start in range(0, len(objs), _CHUNK):
            chunk = objs[start : start + _CHUNK]
            missing = [obj for obj in chunk if obj.pk is None]
            if missing:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [meta.db_table, pk.column, len(missing)],
                )
                for obj, (new_id,) in zip(missing, cursor.fetchall(), strict=True):
                    obj.pk = new_id
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in chunk:
                    copy.write_row([to_db(obj) for to_db in convert])
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objs


def bulk_insert_values(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> int:
    """Rows of `model` given as values of its fields' `attnames` (geometries as hex EWKB, with their SRID), the ids
    left to the database: for rows nobody reads back as objects, without building a model instance for each
    (COPY on PostgreSQL; elsewhere the instances, through bulk_create). Returns the number of rows."""
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        return len(model._default_manager.bulk_create(_instances(model, attnames, rows), batch_size=2000))
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in attnames)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def bulk_insert_values_with_ids(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """bulk_insert_values, the rows' new ids returned in their order: for rows whose ids other rows name (a change's
    place links, copied into its history version), without a model instance per row. On PostgreSQL the ids are taken
    from the table's sequence first (one query per chunk), then the rows go by COPY with them; elsewhere the
    instances, through bulk_create, which gives SQLite's ids back (RETURNING)."""
    connection = connections[router.db_for_write(model)]
    if not rows:
        return []
    if connection.vendor != "postgresql":
        objs = model._default_manager.bulk_create(_instances(model, attnames, rows), batch_size=2000)
        return [obj.pk for obj in objs]
    meta = model._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in (meta.pk.attname, *attnames))
    ids: list[int] = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(chunk)],
            )
            chunk_ids = [new_id for (new_id,) in cursor.fetchall()]
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for new_id, row in zip(chunk_ids, chunk, strict=True):
                    copy.write_row((new_id, *row))
            ids.extend(chunk_ids)
    return ids


def bulk_insert_with_history(
    model: type[Model],
    objs: Sequence[Model],
    *,
    batch_size: int = 2000,
    default_user=None,
    default_change_reason: str | None = None,
) -> list[Model]:
    """simple_history's bulk_create_with_history (one "+" version per object, dated now, by `default_user` or the
    request's user, with `default_change_reason`), by COPY on PostgreSQL."""
    objs = list(objs)
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql" or not objs:
        return bulk_create_with_history(
            objs, model, batch_size=batch_size, default_user=default_user, default_change_reason=default_change_reason
        )
    history = model.history.model
    tracked = [field.attname for field in history.tracked_fields]
    with transaction.atomic(using=connection.alias):
        bulk_insert(model, objs)
        versions = []
        for obj in objs:
            version = history(
                history_date=getattr(obj, "_history_date", None) or timezone.now(),
                history_user=getattr(obj, "_history_user", default_user or history.get_default_history_user(obj)),
                # None where no reason is given, as simple_history's bulk path stores it
                history_change_reason=getattr(obj, "_change_reason", None) or default_change_reason or None,
                history_type="+",
                **{name: getattr(obj, name) for name in tracked},
            )
            if hasattr(history, "history_relation"):
                version.history_relation_id = obj.pk
            versions.append(version)
        bulk_insert(history, versions)
    return objs


def _instances(model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence]) -> list[Model]:
    """Model instances of value rows (geometries given as hex EWKB loaded as GEOS), for bulk_create."""
    fields = [model._meta.get_field(name) for name in attnames]
    loaders = [GEOSGeometry if isinstance(field, GeometryField) else None for field in fields]
    return [
        model(
            **{
                name: (load(value) if load is not None and value is not None else value)
                for name, load, value in zip(attnames, loaders, row, strict=True)
            }
        )
        for row in rows
    ]


def bulk_update_each(model: type[Model], objs: Sequence[Model], attnames: Sequence[str]) -> int:
    """Write the `attnames` fields of each of `objs` to its row, as objs[i].save(update_fields=attnames) would
    without signals or auto_now: one UPDATE ... WHERE id = %s, compiled once and run for every object
    (executemany). Django's bulk_update writes CASE expressions over all the rows instead, which SpatiaLite ran
    about ten times slower than the plain updates with geometries; an update() per object compiled each of them
    again (an import reshapes thousands of parts). Returns the number of objects."""
    objs = list(objs)
    if not objs:
        return 0
    connection = connections[router.db_for_write(model)]
    fields = [model._meta.get_field(name) for name in attnames]
    query = sql.UpdateQuery(model)
    query.add_update_fields([(field, None, getattr(objs[0], field.attname)) for field in fields])
    query.add_filter("pk", objs[0].pk)
    statement, params = query.get_compiler(connection=connection).as_sql()
    if len(params) != len(fields) + 1:  # a field whose value the compiler writes as SQL, not as a parameter
        raise ValueError(f"cannot update {', '.join(attnames)} of {model.__name__} row by row")
    rows = [
        [field.get_db_prep_save(getattr(obj, field.attname), connection) for field in fields] + [obj.pk] for obj in objs
    ]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.executemany(statement, rows)
    return len(objs)


def _converter(field) -> Callable[[Model], object]:
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return lambda obj: field.pre_save(obj, add=True)
    if isinstance(field, GeometryField):
        srid = field.srid

        def geometry(obj):
            value = getattr(obj, attname)
            if value is None:
                return None
            if value.srid is None:
                value = value.clone()
                value.srid = srid
            elif value.srid != srid:
                value = value.transform(srid, clone=True)
            return value.hexewkb.decode()

        return geometry
    if isinstance(field, JSONField):
        return lambda obj: None if (value := getattr(obj, attname)) is None else orjson.dumps(value).decode()

    def plain(obj):
        value = getattr(obj, attname)
        return value.value if isinstance(value, enum.Enum) else value

    return plain
