"""The catalog holds every documented kind, and the schema has one member per kind."""

from app.catalog import EVENT_KINDS
from app.catalog.flexdeploy import FLEXDEPLOY_PAYLOADS, canonical_flexdeploy_type
from app.catalog.lifecycle import LIFECYCLE_ACTIONS, canonical_lifecycle_name
from app.graphql.schema import schema
from tests.utils.service import reference


def test_lifecycle_names_and_actions_are_the_documented_ones() -> None:
    documented = reference("lifecycle-events.json")["events"]

    assert {name: list(actions) for name, actions in LIFECYCLE_ACTIONS.items()} == documented
    assert len(LIFECYCLE_ACTIONS) == 21


def test_every_documented_flexdeploy_type_has_a_payload_model() -> None:
    examples = {m["eventType"] for m in reference("flexdeploy-events.json")["examples"]}

    assert examples <= set(FLEXDEPLOY_PAYLOADS)
    assert len(FLEXDEPLOY_PAYLOADS) == 17


def test_names_match_ignoring_case_and_spacing() -> None:
    assert canonical_lifecycle_name(" E2E_Test ") == "e2e_test"
    assert canonical_lifecycle_name("e2e test") is None
    assert canonical_flexdeploy_type("pipeline  stage COMPLETED") == "Pipeline Stage Completed"
    assert canonical_flexdeploy_type("Pipeline Started") is None


def test_unions_have_one_member_per_kind() -> None:
    def members(union: str) -> set[str]:
        return {t.name for t in schema._schema.get_type(union).types}  # type: ignore[union-attr]

    assert len(members("LifecycleEvent")) == 22
    assert len(members("FlexDeployEvent")) == 18
    assert members("AnyEvent") == members("LifecycleEvent") | members("FlexDeployEvent")
    assert members("AnyEvent") == {kind.graphql_name for kind in EVENT_KINDS}
