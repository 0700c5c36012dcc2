from tests.utils.service import RunningService


async def test_alive_and_ready(service: RunningService) -> None:
    alive = await service.http.get("/healthz")
    ready = await service.http.get("/readyz")

    assert (alive.status_code, alive.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "liveEvents": "ok"})


async def test_graphiql_for_browsers(service: RunningService) -> None:
    page = await service.http.get("/graphql", headers={"accept": "text/html"})

    assert page.status_code == 200
    assert "graphiql" in page.text.lower()
