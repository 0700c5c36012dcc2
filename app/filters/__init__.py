"""The filter language: one definition, compiled to a MongoDB query and to a live predicate."""

from app.filters.build import FilterBudget, build_condition, build_sort
from app.filters.model import (
    AllOf,
    AnyOf,
    Condition,
    EventFilter,
    Not,
    Op,
    all_of,
    conjuncts,
    paths_of,
)
from app.filters.mongo import to_mongo
from app.filters.operators import MAX_TEXT, OPERATORS, ORDERING
from app.filters.predicate import matches

__all__ = [
    "MAX_TEXT",
    "OPERATORS",
    "ORDERING",
    "AllOf",
    "AnyOf",
    "Condition",
    "EventFilter",
    "FilterBudget",
    "Not",
    "Op",
    "all_of",
    "build_condition",
    "build_sort",
    "conjuncts",
    "matches",
    "paths_of",
    "to_mongo",
]
