"""Apollo's `possibleTypes`, served for its cache, agree with the schema's own answer."""

from __future__ import annotations

from app.families import FAMILIES
from tests.utils.service import RunningService

POSSIBLE = """
query($name: String!) { __type(name: $name) { possibleTypes { name } } }
"""


async def test_possible_types_list_every_member_of_each_abstract_type(
    service: RunningService,
) -> None:
    served = (await service.http.get("/graphql/possible-types.json")).json()

    unions = {family.graphql.union for family in FAMILIES}
    assert set(served) == {"AnyEvent", "Event", *unions}
    for name, members in served.items():
        answer = await service.graphql(POSSIBLE, name=name)
        introspected = sorted(kind["name"] for kind in answer.data["__type"]["possibleTypes"])
        assert members == introspected
    assert "DeploymentEvent" in served["Event"]
