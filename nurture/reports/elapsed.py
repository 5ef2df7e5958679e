"""Seconds between two timestamps, in SQL, on both databases (so a distribution is bucketed in the query)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class elapsed_seconds(FunctionElement[float]):  # noqa: N801 - used like a SQL function
    """``elapsed_seconds(later, earlier)``: a float, NULL when either is NULL."""

    type = Float()
    inherit_cache = True

    def __init__(self, later: ColumnElement[Any], earlier: ColumnElement[Any]):
        super().__init__(later, earlier)


@compiles(elapsed_seconds, "postgresql")
def _postgresql(element: elapsed_seconds, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - {compiler.process(earlier, **kw)}))"


@compiles(elapsed_seconds, "sqlite")
def _sqlite(element: elapsed_seconds, compiler: Any, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return f"((julianday({compiler.process(later, **kw)}) - julianday({compiler.process(earlier, **kw)})) * 86400.0)"
