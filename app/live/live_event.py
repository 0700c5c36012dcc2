"""One event on its way to live subscribers, in the shape each step needs.

The bus carries the document the store wrote, and feeds test their filters on it as it is.
The event a subscriber is sent is made from it once, by the first subscription that takes it;
an event no subscription selects is never made into one.
"""

from __future__ import annotations

from app.documents.layout import Document, from_document
from app.events import StoredEvent

__all__ = ["LiveEvent"]


class LiveEvent:
    __slots__ = ("_event", "document")

    def __init__(self, document: Document) -> None:
        self.document = document
        self._event: StoredEvent | None = None

    @property
    def seq(self) -> int:
        seq: int = self.document["seq"]
        return seq

    @property
    def event(self) -> StoredEvent:
        if self._event is None:
            self._event = from_document(self.document)
        return self._event
