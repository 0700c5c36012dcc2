import json
import re
from typing import Any

from openapi_spec_validator import validate

from app.timestamps import TIMESTAMP_PATTERN
from tests.utils.service import RunningService


def parameters(document: dict[str, Any]) -> dict[str, Any]:
    return {item["name"]: item for item in document["paths"]["/events"]["get"]["parameters"]}


async def test_the_rest_endpoints_are_described(service: RunningService) -> None:
    document = (await service.http.get("/openapi.json")).json()

    validate(document)
    assert {"/events", "/webhooks/flexdeploy", "/healthz", "/readyz"} <= set(document["paths"])
    assert set(document["paths"]["/events"]) == {"get", "post"}
    assert "security" not in document  # no tokens configured: the service is open


async def test_every_reference_names_a_published_schema(service: RunningService) -> None:
    document = (await service.http.get("/openapi.json")).json()

    # The validator does not follow references: a body described by a schema that is not
    # published would still pass it.
    named = set(re.findall(r'"#/components/schemas/([^"]+)"', json.dumps(document)))
    assert named - set(document["components"]["schemas"]) == set()
    cloudevents = document["paths"]["/cloudevents"]["post"]["requestBody"]["content"]
    assert {"application/cloudevents+json", "application/json"} <= set(cloudevents)


async def test_the_document_states_the_rules_the_service_applies(
    guarded: RunningService,
) -> None:
    document = (await guarded.http.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]

    validate(document)
    body = schemas["LifecycleBody"]["properties"]
    assert body["timestamp"]["anyOf"][0]["pattern"] == TIMESTAMP_PATTERN
    assert parameters(document)["timestamp[$gte]"]["schema"]["pattern"] == TIMESTAMP_PATTERN
    limit = parameters(document)["$limit"]["schema"]
    assert (limit["minimum"], limit["maximum"]) == (0, guarded.settings.max_page_size)
    assert document["security"] == [{"token": []}]
    assert "401" in document["paths"]["/events"]["post"]["responses"]
