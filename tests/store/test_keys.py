"""Client keys MongoDB cannot hold as-is are escaped reversibly."""

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.documents.keys import escape_keys, unescape_keys

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(alphabet="ab.$~\x0001"), children, max_size=3)
    ),
    max_leaves=12,
)


@given(json_values)
def test_escaping_round_trips(value: Any) -> None:
    assert unescape_keys(escape_keys(value)) == value


@given(st.dictionaries(st.text(alphabet="a.$~\x00"), st.none(), max_size=5))
def test_escaped_keys_are_safe_for_mongodb(value: dict[str, None]) -> None:
    for key in escape_keys(value):
        assert "." not in key
        assert "$" not in key
        assert "\x00" not in key
