from openapi_spec_validator import validate

from tests.utils.service import RunningService


async def test_the_rest_endpoints_are_described(service: RunningService) -> None:
    document = (await service.http.get("/openapi.json")).json()

    validate(document)
    assert {"/events", "/webhooks/flexdeploy", "/healthz", "/readyz"} <= set(document["paths"])
    assert set(document["paths"]["/events"]) == {"get", "post"}
