"""GraphQL documents that are small as text and large as work, each with the setting that must
refuse it (None: graphql-core's own validation refuses it). The tests send every one; the
bench (scripts/bench_hostile.py) sends them while a subscriber and /readyz are timed."""

from __future__ import annotations

from graphql import get_introspection_query

__all__ = ["HOSTILE_DOCUMENTS", "INTROSPECTION_QUERIES", "fragment_bomb"]


def fragment_bomb(levels: int, *, aliased: bool = False) -> str:
    """Each fragment spreads the one below twice: 2^levels fields from a few lines."""
    lines = ["query Bomb { ...F0 }", f"fragment F{levels} on Query {{ __typename }}"]
    for level in range(levels):
        below = f"...F{level + 1}"
        body = f"a{level}: __typename {below} b{level}: __typename {below}" if aliased else ""
        lines.append(f"fragment F{level} on Query {{ {body or f'{below} {below}'} }}")
    return "\n".join(lines)


def _deep_introspection(levels: int) -> str:
    inner = "name"
    for _ in range(levels):
        inner = f"ofType {{ {inner} }}"
    return f"{{ __schema {{ types {{ {inner} }} }} }}"


def _repeated_fragments(count: int, body: str, on: str) -> str:
    spreads = " ".join(f"...R{n}" for n in range(count))
    fragments = " ".join(f"fragment R{n} on {on} {{ {body} }}" for n in range(count))
    return (
        f"{{ events {{ {spreads} }} }} {fragments}"
        if on != "Query"
        else (f"{{ {spreads} }} {fragments}")
    )


def _nested_filter(levels: int) -> str:
    inner = '{repo: {eq: "api"}}'
    for _ in range(levels):
        inner = f"{{and: [{inner}]}}"
    return f"{{ events(filter: {inner}) {{ totalCount }} }}"


HOSTILE_DOCUMENTS: dict[str, tuple[str, str | None]] = {
    "fragment bomb, 20 levels": (fragment_bomb(20), "EVENTSTORE_MAX_QUERY_FIELDS"),
    "fragment bomb, 30 levels": (fragment_bomb(30), "EVENTSTORE_MAX_QUERY_FIELDS"),
    "aliased fragment bomb": (fragment_bomb(25, aliased=True), "EVENTSTORE_MAX_QUERY_ALIASES"),
    "a field 1,000 times": (
        "{ events { " + "totalCount " * 1000 + "} }",
        "EVENTSTORE_MAX_FIELD_MERGES",
    ),
    "a subtree 99 times": (
        "{ " + "events { nodes { __typename } } " * 99 + "}",
        "EVENTSTORE_MAX_FIELD_MERGES",
    ),
    "a subtree in 99 fragments": (
        _repeated_fragments(99, "events { nodes { __typename } }", "Query"),
        "EVENTSTORE_MAX_FIELD_MERGES",
    ),
    "a field in 400 fragments": (
        _repeated_fragments(400, "totalCount", "EventConnection"),
        "EVENTSTORE_MAX_FIELD_MERGES",
    ),
    "1,000 aliases": (
        "{ " + " ".join(f"a{n}: __typename" for n in range(1000)) + " }",
        "EVENTSTORE_MAX_QUERY_ALIASES",
    ),
    "600 directives": (
        "{ __typename " + "@skip(if: false) " * 600 + "}",
        "EVENTSTORE_MAX_QUERY_DIRECTIVES",
    ),
    "introspection 25 levels deep": (_deep_introspection(25), "EVENTSTORE_MAX_QUERY_DEPTH"),
    "a fragment cycle": (
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        None,
    ),
    "input objects 100 deep": (_nested_filter(100), None),
}
"""Name → (document, the setting its refusal names, or None for graphql-core's own refusal)."""

INTROSPECTION_QUERIES: dict[str, str] = {
    "plain": get_introspection_query(),
    # What GraphiQL and graphql-js's clients send: every option on.
    "every option": get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    ),
}
