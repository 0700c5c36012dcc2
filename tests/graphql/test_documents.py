"""The service's parser: a document is parsed once per request at most, within the token
limit, and a large one is not kept past its request."""

from __future__ import annotations

import asyncio
import contextvars

import pytest
from graphql import GraphQLError, OperationType

from app.graphql.document_cache import Documents
from app.graphql.document_work import LARGE_DOCUMENT

SMALL = "query Small { __typename }"
LARGE = "subscription Large { events { __typename } }\n# " + "x" * LARGE_DOCUMENT
MANY_TOKENS = "query Many { " + "__typename " * 2000 + "}"


async def test_a_large_document_is_parsed_once_in_its_request_and_again_in_the_next() -> None:
    documents = Documents(max_tokens=5000)

    first = await documents.parse(LARGE)
    again = await documents.parse(LARGE)
    # A task runs in a copy of the context it was created in: a request of its own.
    elsewhere = await asyncio.create_task(documents.parse(LARGE), context=_fresh())

    assert again is first
    assert elsewhere is not first


async def test_a_small_document_is_parsed_once_for_every_request() -> None:
    documents = Documents(max_tokens=5000)

    first = await documents.parse(SMALL)
    elsewhere = await asyncio.create_task(documents.parse(SMALL), context=_fresh())

    assert elsewhere is first


async def test_the_operation_is_read_within_the_token_limit() -> None:
    documents = Documents(max_tokens=100)
    large_many = MANY_TOKENS + "\n# " + "x" * LARGE_DOCUMENT

    with pytest.raises(GraphQLError, match="token"):
        await documents.parse(large_many)
    assert await documents.operation(large_many, None) is None
    assert await documents.operation(MANY_TOKENS, "Many") is None


async def test_a_large_document_that_does_not_parse_fails_the_same_way_twice() -> None:
    documents = Documents(max_tokens=5000)
    broken = LARGE + "\n{"

    with pytest.raises(GraphQLError) as first:
        await documents.parse(broken)
    with pytest.raises(GraphQLError) as again:
        await documents.parse(broken)

    assert again.value is first.value


async def test_the_operation_of_a_large_document_is_its_own() -> None:
    documents = Documents(max_tokens=5000)

    operation = await documents.operation(LARGE, "Large")

    assert operation is not None
    assert operation.operation is OperationType.SUBSCRIPTION


def _fresh() -> contextvars.Context:
    return contextvars.Context()
