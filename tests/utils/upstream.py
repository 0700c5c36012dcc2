"""Checks on a library's shape for tests/upstream/: each failure says what changed upstream,
what in app/upstream/ relies on it, and that the fix is to re-read the library and adapt."""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reliance:
    """A library, and what of ours relies on a part of it (for the failure's message)."""

    library: str
    user: str
    """Where and why: "app/upstream/strawberry.py overrides it for shared fan-out results"."""

    def broken(self, change: str) -> str:
        return f"{self.library} {change}; {self.user}: re-read {self.library}'s code and adapt"


def _name(owner: object) -> str:
    return str(getattr(owner, "__qualname__", getattr(owner, "__name__", owner)))


def member(owner: object, name: str, reliance: Reliance) -> Any:
    """`owner.name`, failing with the reason when the library no longer has it."""
    found = getattr(owner, name, None)
    assert found is not None, reliance.broken(f"removed {_name(owner)}.{name}")
    return found


def expect_parameters(
    owner: object, name: str, parameters: Sequence[str], reliance: Reliance
) -> Callable[..., Any]:
    """`owner.name` is a callable with these parameter names, in this order."""
    function = member(owner, name, reliance)
    actual = list(inspect.signature(function).parameters)
    expected = list(parameters)
    assert actual == expected, reliance.broken(
        f"renamed or changed {_name(owner)}.{name}({', '.join(expected)}), "
        f"now ({', '.join(actual)})"
    )
    return function  # type: ignore[no-any-return]


def expect_coroutine(function: Callable[..., Any], reliance: Reliance) -> None:
    assert inspect.iscoroutinefunction(function), reliance.broken(
        f"made {_name(function)} no longer a coroutine function"
    )


def _normalised(source: str) -> str:
    """The code of `source`, without its comments and layout."""
    return ast.unparse(ast.parse(textwrap.dedent(source)))


def expect_code(function: Callable[..., Any], copied: str, reliance: Reliance) -> None:
    """`function`'s code is still the code app/upstream/ copied (comments and layout aside)."""
    actual = _normalised(inspect.getsource(function))
    assert actual == _normalised(copied), reliance.broken(
        f"changed the code of {_name(function)}, which ours copies; now:\n{actual}\n"
    )


def calls_in(function: Callable[..., Any]) -> set[str]:
    """The dotted names `function` calls: `self.schema.stream`, `super().send_message`, …"""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}


def expect_call(function: Callable[..., Any], call: str, reliance: Reliance) -> None:
    assert call in calls_in(function), reliance.broken(
        f"no longer calls {call}(...) from {_name(function)}"
    )
