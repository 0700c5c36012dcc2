"""MongoDB storage: layout, indexes, paging, and the embedded server."""

from app.store.batch_appends import AppendedBatch, AppendedEach
from app.store.change_starts import FirstChanges
from app.store.event_store import (
    DEFAULT_SORT,
    Appended,
    EventPage,
    EventQuery,
    EventStore,
    PagedEvent,
)
from app.store.paging import SortKey

__all__ = [
    "DEFAULT_SORT",
    "Appended",
    "AppendedBatch",
    "AppendedEach",
    "EventPage",
    "EventQuery",
    "EventStore",
    "FirstChanges",
    "PagedEvent",
    "SortKey",
]
