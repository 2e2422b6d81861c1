"""Dialect-portable SQL pieces for aggregates."""

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlalchemy.types import String


class month_key(FunctionElement):  # noqa: N801  (reads like the SQL function it renders)
    """``'YYYY-MM'`` of a DATE column, on SQLite and PostgreSQL."""

    type = String()
    inherit_cache = True


@compiles(month_key, "sqlite")
def _month_key_sqlite(element, compiler, **kw):
    return f"strftime('%Y-%m', {compiler.process(element.clauses, **kw)})"


@compiles(month_key, "postgresql")
def _month_key_postgresql(element, compiler, **kw):
    return f"to_char({compiler.process(element.clauses, **kw)}, 'YYYY-MM')"


def month_of(column) -> ColumnElement[str]:
    return month_key(column)
