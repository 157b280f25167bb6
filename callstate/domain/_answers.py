"""What a query answers: one page of rows, a whole list of rows, or one object.

Every read-only action answers one of these forms, computed by a pure function of one read of
its instance (``_reads.py`` joins them by query class); the adapter frames each form as the
SDK's models frame it (``Data`` is a page object, a list, or the object itself). The form is
the only difference: the rows of every form are projected to their shape the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from ._records import Job, User
from ._world import InstanceConfig

__all__ = ["Answer", "Answerer", "One", "Page", "Rows", "page_of"]

Row = TypeVar("Row")


@attrs.frozen
class Page(Generic[Row]):
    """One page of a query's rows, and how many rows all the pages hold."""

    rows: tuple[Row, ...]
    page_number: int
    page_size: int
    total_count: int


@attrs.frozen
class Rows(Generic[Row]):
    """Every row a query answers, unpaged (``Data`` is the list itself)."""

    rows: tuple[Row, ...]


@attrs.frozen
class One(Generic[Row]):
    """The one object a query answers (``Data`` is the object itself)."""

    row: Row

    @property
    def rows(self) -> tuple[Row, ...]:
        """The object as the one row of the answer (every form has ``rows``)."""
        return (self.row,)


#: A query's answer, in one of its forms.
Answer = Page[Any] | Rows[Any] | One[Any]

#: A query's answer, computed from one read of its instance at an instant.
Answerer = Callable[[Any, InstanceConfig, Mapping[str, User], Mapping[str, Job], int], Answer]


def page_of(rows: Sequence[Row], page_number: int, page_size: int) -> Page[Row]:
    """Page ``page_number`` of ``rows``, ``page_size`` rows a page."""
    first = (page_number - 1) * page_size
    return Page(tuple(rows[first : first + page_size]), page_number, page_size, len(rows))
