"""The catalog holds every documented kind, and the schema has one member per kind."""

from app.families import EVENT_KINDS, FAMILIES
from app.families.flexdeploy.payloads import (
    FLEXDEPLOY_PAYLOADS,
    BranchPayload,
    ProjectPayload,
    canonical_flexdeploy_type,
)
from app.families.lifecycle.actions import LIFECYCLE_ACTIONS, canonical_lifecycle_name
from app.graphql.schema import schema
from tests.utils.service import DATA, reference

# FlexDeploy 9.0's list of event types, copied from its docs.
FLEXDEPLOY_90_TYPES = (DATA / "flexdeploy-9.0-event-types.txt").read_text().splitlines()


def test_lifecycle_names_and_actions_are_the_documented_ones() -> None:
    documented = reference("lifecycle-events.json")["events"]

    assert {name: list(actions) for name, actions in LIFECYCLE_ACTIONS.items()} == documented
    assert len(LIFECYCLE_ACTIONS) == 21


def test_every_documented_flexdeploy_type_has_a_payload_model() -> None:
    examples = {m["eventType"] for m in reference("flexdeploy-events.json")["examples"]}

    assert sorted(FLEXDEPLOY_PAYLOADS) == sorted(FLEXDEPLOY_90_TYPES)
    assert len(FLEXDEPLOY_PAYLOADS) == 31
    assert examples <= set(FLEXDEPLOY_PAYLOADS)


def test_types_documented_as_one_another_share_a_payload_model() -> None:
    for family in ("Branch", "Project"):
        models = {m for name, m in FLEXDEPLOY_PAYLOADS.items() if name.startswith(f"{family} ")}
        assert len(models) == 1, family


def test_flags_without_a_documented_value_read_as_booleans_however_spelled() -> None:
    assert BranchPayload.model_validate({"mainBranchFlag": "Y"}).mainBranchFlag is True
    assert BranchPayload.model_validate({"mainBranchFlag": 0}).mainBranchFlag is False
    assert ProjectPayload.model_validate({"active": "N"}).active is False
    assert ProjectPayload.model_validate({"active": True}).active is True


def test_names_match_ignoring_case_and_spacing() -> None:
    assert canonical_lifecycle_name(" E2E_Test ") == "e2e_test"
    assert canonical_lifecycle_name("e2e test") is None
    assert canonical_flexdeploy_type("pipeline  stage COMPLETED") == "Pipeline Stage Completed"
    assert canonical_flexdeploy_type("Pipeline Started") is None


def test_unions_have_one_member_per_kind() -> None:
    def members(union: str) -> set[str]:
        return {t.name for t in schema._schema.get_type(union).types}  # type: ignore[union-attr]

    assert len(members("LifecycleEvent")) == 22
    assert len(members("FlexDeployEvent")) == 32
    assert len(members("CDEvent")) == 46  # the 45 types of CDEvents 0.5.1, and custom ones
    every_family = [members(family.graphql.union) for family in FAMILIES]
    assert members("AnyEvent") == set().union(*every_family)
    assert sum(map(len, every_family)) == len(members("AnyEvent"))  # no member in two
    assert members("AnyEvent") == {kind.graphql_name for kind in EVENT_KINDS}
