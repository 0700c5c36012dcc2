"""A filter selects exactly the same events from MongoDB as the live predicate does.

Hypothesis generates events (through the real intake, stored through the real store) and
filters (through the real builder); for each case the store's answer to the compiled query
must equal the predicate's verdict on every event.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from app.documents.layout import Document, to_document
from app.families.flexdeploy.intake import flexdeploy_event
from app.families.lifecycle.intake import lifecycle_event
from app.filters import (
    AnyOf,
    EventFilter,
    FilterBudget,
    Not,
    Op,
    all_of,
    build_condition,
    matches,
)
from app.intake import IntakeLimits
from app.live.bus import BusListener, EventBus
from app.live.feed import Feed
from app.live.feed_index import FeedIndex, filing_keys
from app.store import EventQuery, EventStore
from tests.utils.depth import tries

LIMITS = IntakeLimits(max_bytes=1 << 20, max_depth=32)
NOW = datetime(2024, 6, 1, tzinfo=UTC)
INSTANTS = [NOW + timedelta(hours=h, milliseconds=ms) for h in (-2, 0, 3) for ms in (0, 1)]

texts = st.sampled_from(["a", "ab", "b", "B", "é", "", "a.b", "$gt", "Jira PROD"])
numbers = st.sampled_from([0, 1, 1.0, 1.5, -2, 2**40])
scalars = st.one_of(texts, numbers, st.booleans())
keys = st.sampled_from(["a", "b", "c"])
json_values = st.recursive(
    st.one_of(scalars, st.none()),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=4,
)
objects = st.dictionaries(keys, json_values, min_size=1, max_size=3)


def maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


@st.composite
def lifecycle_bodies(draw: st.DrawFn) -> dict[str, Any]:
    body = {
        "event_name": draw(st.sampled_from(["build", "deployment", "Build", "canary"])),
        "event_action": draw(st.sampled_from(["initiated", "succeeded", "failed"])),
        "team_id": draw(maybe(st.sampled_from(["t1", "t2"]))),
        "repo": draw(maybe(texts)),
        "timestamp": draw(st.sampled_from(INSTANTS)).isoformat(),
    }
    return {key: value for key, value in body.items() if value is not None} | draw(objects)


@st.composite
def flexdeploy_messages(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "eventType": draw(st.sampled_from(["Comment Added", "Tag Assigned", "Something New"])),
        "actor": draw(maybe(texts)),
        "object": draw(maybe(texts)),
        "timestamp": draw(maybe(st.sampled_from(INSTANTS).map(lambda t: t.isoformat()))),
        "payload": draw(maybe(objects)),
    }


# Paths, each with the values events hold there, so that filters select some events only.
NAMED_VALUES = {
    "teamId": ["t1", "t2"],
    "type": ["build", "deployment", "canary", "Comment Added", "Something New"],
    "action": ["initiated", "succeeded", "failed"],
    "source": ["LIFECYCLE", "FLEXDEPLOY"],
    "repo": ["a", "ab", "b"],
    "actor": ["a", "B"],
    "object": ["ab", "é"],
    "raw.event_name": ["build", "Build", "canary"],
}
CLIENT_PATHS = ["payload.a", "payload.a.b", "payload.b", "data", "data.a", "data.b.a", "raw.a"]


@st.composite
def conditions(draw: st.DrawFn) -> EventFilter:
    path = draw(st.sampled_from([*NAMED_VALUES, *CLIENT_PATHS, "timestamp"]))
    if path == "timestamp":
        values: st.SearchStrategy[Any] = st.sampled_from(INSTANTS)
    elif path in NAMED_VALUES:
        values = st.sampled_from(NAMED_VALUES[path]) | scalars
    else:
        values = scalars
    op = draw(st.sampled_from(list(Op)))
    if op is Op.EXISTS:
        value: Any = draw(st.booleans())
    elif op in (Op.CONTAINS, Op.STARTS_WITH):
        value = draw(st.sampled_from(["", "a", "b", "B", "ui", "Jira", "é"]))
    elif op in (Op.IN, Op.NIN):
        value = draw(st.lists(values, max_size=3))
    elif op in (Op.GT, Op.GTE, Op.LT, Op.LTE):
        value = draw(values.filter(lambda v: not isinstance(v, bool)))
    else:
        value = draw(values)
    return build_condition(path, op, value, ("filter",), FilterBudget())


filters = st.recursive(
    conditions(),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(all_of),
        st.lists(inner, max_size=3).map(lambda items: AnyOf(tuple(items))),
        inner.map(Not),
    ),
    max_leaves=6,
)


class Heard(BusListener):
    """What the live dispatcher would be told: each stored event as the bus carries it."""

    def __init__(self) -> None:
        self.documents: list[Document] = []
        self.expected = 0
        self.all_here = asyncio.Event()

    def on_event(self, document: Document) -> None:
        self.documents.append(document)
        if len(self.documents) >= self.expected:
            self.all_here.set()


@dataclass
class Scratch:
    """A store and a bus, and the raw collection under the store to empty between cases."""

    store: EventStore
    events: AsyncCollection[dict[str, Any]]
    bus: EventBus
    heard: Heard

    async def carried(self, documents: list[Document]) -> list[Document]:
        """`documents` as they reach live feeds: published and received over a real bus."""
        self.heard.documents.clear()
        self.heard.expected = len(documents)
        self.heard.all_here.clear()
        await self.bus.publish(documents)
        await asyncio.wait_for(self.heard.all_here.wait(), 5)
        return list(self.heard.documents)


@pytest.fixture(scope="module")
async def scratch(mongodb_uri: str) -> AsyncIterator[Scratch]:
    database = f"test_{uuid.uuid4().hex}"
    event_store = EventStore.connect(mongodb_uri, database)
    await event_store.prepare()
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(mongodb_uri)
    bus, heard = EventBus("memory://"), Heard()
    bus.listen(heard)
    await bus.connect()
    yield Scratch(event_store, client[database]["events"], bus, heard)
    await bus.disconnect()
    await client.drop_database(database)
    await client.close()
    await event_store.close()


@settings(
    max_examples=tries(quick=250, full=1000),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    lifecycle=st.lists(lifecycle_bodies(), min_size=2, max_size=5),
    flexdeploy=st.lists(flexdeploy_messages(), min_size=1, max_size=3),
    cases=st.lists(filters, min_size=1, max_size=3),
)
async def test_store_and_live_predicate_select_the_same_events(
    scratch: Scratch,
    lifecycle: list[dict[str, Any]],
    flexdeploy: list[dict[str, Any]],
    cases: list[EventFilter],
) -> None:
    events = [lifecycle_event(body, NOW, LIMITS) for body in lifecycle]
    events += [flexdeploy_event(message, NOW, LIMITS) for message in flexdeploy]
    appended = await scratch.store.append_many(events, received_at=NOW)
    live_documents = await scratch.carried(appended.documents)
    try:
        for event_filter in cases:
            query = EventQuery(filter=event_filter, limit=1000)
            from_store = {item.event.id for item in (await scratch.store.page(query)).events}
            live = {
                str(document["_id"])
                for document in live_documents
                if matches(event_filter, document)
            }
            assert from_store == live, event_filter
    finally:
        await scratch.events.delete_many({})


# Top-level equalities on the fields the live feed index files feeds under.
indexed_conditions = st.builds(
    lambda path, op, values: build_condition(
        path,
        op,
        values[0] if op is Op.EQ else values,
        ("filter",),
        FilterBudget(),
    ),
    st.sampled_from(["teamId", "type", "action", "source", "repo", "object"]),
    st.sampled_from([Op.EQ, Op.IN]),
    st.lists(
        st.sampled_from(
            [
                "t1",
                "t2",
                "build",
                "deployment",
                "Comment Added",
                "failed",
                "LIFECYCLE",
                "FLEXDEPLOY",
                "a",
                "ab",
            ]
        ),
        min_size=1,
        max_size=3,
    ),
)
feed_filters = st.one_of(filters, st.tuples(indexed_conditions, filters).map(all_of))


@settings(max_examples=tries(quick=250, full=1000), deadline=None)
@given(
    lifecycle=st.lists(lifecycle_bodies(), min_size=1, max_size=5),
    flexdeploy=st.lists(flexdeploy_messages(), max_size=3),
    cases=st.lists(feed_filters, min_size=1, max_size=8),
)
def test_the_live_feed_index_offers_each_event_to_every_feed_that_selects_it(
    lifecycle: list[dict[str, Any]],
    flexdeploy: list[dict[str, Any]],
    cases: list[EventFilter],
) -> None:
    new = [lifecycle_event(body, NOW, LIMITS) for body in lifecycle]
    new += [flexdeploy_event(message, NOW, LIMITS) for message in flexdeploy]
    index = FeedIndex()
    feeds = [Feed(event_filter, after_seq=None, capacity=10) for event_filter in cases]
    for feed in feeds:
        index.add(feed)

    for seq, event in enumerate(new, start=1):
        document = to_document(event, seq=seq, received_at=NOW)
        selecting = {feed for feed in feeds if matches(feed.event_filter, document)}
        offered = index.candidates(document)
        assert selecting <= offered  # no feed that wants the event is passed over
        assert {feed for feed in offered if matches(feed.event_filter, document)} == selecting
        for feed in feeds:  # and it does narrow: a feed filed elsewhere is not offered it
            keys = filing_keys(feed.event_filter)
            if keys and all(document.get(field) != value for field, value in keys):
                assert feed not in offered
