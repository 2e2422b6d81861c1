"""Dialect-portable SQL pieces for aggregates."""

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.types import Integer


class days_between(FunctionElement):  # noqa: N801
    """Whole days from the second DATE expression to the first (``later - earlier``)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    # DATE - DATE is an integer number of days in PostgreSQL.
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({later} AS DATE) - CAST({earlier} AS DATE))"
