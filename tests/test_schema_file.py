"""`schema.graphql` is the published contract: it must be what the code serves."""

from pathlib import Path

from app.graphql.schema import schema

ROOT = Path(__file__).parent.parent


def test_schema_file_matches_the_running_schema() -> None:
    written = (ROOT / "schema.graphql").read_text()

    assert written == schema.as_str() + "\n", (
        "schema.graphql is stale: run `eventstore export-schema`"
    )


def test_every_union_member_implements_event() -> None:
    graphql_schema = schema._schema
    for union in ("AnyEvent", "LifecycleEvent", "FlexDeployEvent", "CDEvent"):
        members = graphql_schema.get_type(union).types  # type: ignore[union-attr]
        assert all("Event" in [i.name for i in member.interfaces] for member in members), union
