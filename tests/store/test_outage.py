"""When MongoDB stops answering, clients are told so promptly, and service resumes with it."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

from app.config import Settings
from app.store.embedded import EmbeddedMongo
from tests.graphql.queries import EVENTS_PAGE, INGEST_BATCH, INGEST_LIFECYCLE
from tests.utils.process import processes_running
from tests.utils.service import running_service, until_ready

DEPLOYED = {"eventName": "deployment", "eventAction": "succeeded", "repo": "api"}
CTO_BODY = {"event_name": "deployment", "event_action": "succeeded", "repo": "api"}


async def test_an_outage_is_reported_as_such_and_service_resumes_after_it(
    tmp_path: Path, settings: Settings
) -> None:
    mongo = EmbeddedMongo(tmp_path / "mongo")
    uri = await mongo.start()
    impatient = settings.model_copy(update={"mongodb_uri": uri, "mongodb_timeout_seconds": 0.5})
    try:
        async with running_service(impatient) as service:
            before = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
            await mongo.stop()

            ingest = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
            read = await service.graphql(EVENTS_PAGE, limit=5)
            posted = await service.http.post("/events", json=CTO_BODY)
            listed = await service.http.get("/events")
            ready = await service.http.get("/readyz")

            await mongo.start()
            await until_ready(service.http)
            after = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
            stored = await service.graphql(EVENTS_PAGE, limit=5)
    finally:
        await mongo.stop()

    assert before.errors == []
    assert ingest.error_codes == read.error_codes == ["DATABASE_UNAVAILABLE"]
    message = ingest.errors[0]["message"]
    assert "MongoDB did not answer within 0.5s" in message
    assert "Traceback" not in message
    assert (posted.status_code, listed.status_code, ready.status_code) == (503, 503, 503)
    assert posted.json()["name"] == "Unavailable"
    assert "MongoDB did not answer" in listed.json()["message"]
    assert after.errors == []
    # The event before the outage is kept; the one refused during it was not half-stored.
    assert stored.data["events"]["totalCount"] == 2


async def test_a_database_that_stops_answering_is_given_up_on(
    tmp_path: Path, settings: Settings
) -> None:
    mongo = EmbeddedMongo(tmp_path / "mongo")
    uri = await mongo.start()
    (server,) = processes_running("secantusd", str(tmp_path / "mongo"))
    hasty = settings.model_copy(
        update={"mongodb_uri": uri, "mongodb_timeout_seconds": 0.5, "query_timeout_seconds": 0.5}
    )
    try:
        async with running_service(hasty) as service:
            before = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
            os.kill(server, signal.SIGSTOP)  # alive, connected, silent
            try:
                frozen = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
            finally:
                os.kill(server, signal.SIGCONT)
            await until_ready(service.http)
            after = await service.graphql(INGEST_LIFECYCLE, input=DEPLOYED)
    finally:
        await mongo.stop()

    assert before.errors == after.errors == []
    assert frozen.error_codes == ["DATABASE_UNAVAILABLE"]


async def test_writes_past_what_the_service_takes_at_once_are_refused_whole(
    tmp_path: Path, settings: Settings
) -> None:
    """With the database frozen, the first batch takes all the room and waits for it; the
    requests behind it are refused with SERVICE_BUSY once they have waited the MongoDB
    timeout for room, and none of their events is stored, then or later."""
    mongo = EmbeddedMongo(tmp_path / "mongo")
    uri = await mongo.start()
    (server,) = processes_running("secantusd", str(tmp_path / "mongo"))
    small = settings.model_copy(
        update={
            "mongodb_uri": uri,
            "mongodb_timeout_seconds": 0.5,
            "query_timeout_seconds": 1.0,
            "max_batch_size": 3,
            "ingest_capacity": 3,
        }
    )

    def batch(repo: str) -> list[dict[str, str]]:
        return [DEPLOYED | {"repo": repo}] * 3

    try:
        async with running_service(small) as service:
            os.kill(server, signal.SIGSTOP)
            try:
                first = asyncio.create_task(service.graphql(INGEST_BATCH, lifecycle=batch("first")))
                await asyncio.sleep(0.2)
                second, posted = await asyncio.gather(
                    service.graphql(INGEST_BATCH, lifecycle=batch("second")),
                    service.http.post("/events", json=CTO_BODY | {"repo": "posted"}),
                )
                await first
            finally:
                os.kill(server, signal.SIGCONT)
            await until_ready(service.http)
            again = await service.graphql(INGEST_BATCH, lifecycle=batch("second"))
            stored = service.mongo[small.database]["events"]
            repos = {repo: await stored.count_documents({"repo": repo}) for repo in REPOS}
    finally:
        await mongo.stop()

    assert first.result().error_codes == ["DATABASE_UNAVAILABLE"]
    assert second.error_codes == ["SERVICE_BUSY"]
    assert "nothing of this request was stored" in second.errors[0]["message"]
    assert posted.status_code == 503
    assert posted.headers["retry-after"] == "1"
    assert posted.json()["name"] == "Unavailable"
    assert again.errors == []
    # The first batch was given up on, not refused: once MongoDB woke it may have landed.
    assert repos["first"] in (0, 3)
    assert (repos["second"], repos["posted"]) == (3, 0)


REPOS = ("first", "second", "posted")
