"""The take-hold rules of an instrument, typed and checked when the instrument loads.

An instrument's ``takehold_rules`` say when a practice counts as embedded, adopting or trying
(see the comment at the top of ``instruments/competence_management_v1.yml`` and
:func:`strapetsi_lib.analysis.takehold.classify_practice`). A misspelt condition or a share
above 1 is a problem naming the file, the line and the key when the instrument is loaded, not a
surprise at prepare time.

The records are read-only mappings as well as typed objects, so ``rules["routine_level"]``,
``spec.get("maintained")`` and ``set(spec)`` keep working beside ``rules.routine_level``; a
category's mapping holds only the conditions it declares.

The rules are a part of the instrument's schema
(:class:`strapetsi_lib.ingest.instrument_spec.InstrumentSpec`), which also checks what needs
the rest of the instrument: the levels on the practices' Levels of Use scale, ``use_level`` not
above ``routine_level``, ``normalisation_min`` on the normalisation items' scale.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ConfigDict, Field, field_validator
from pydantic.dataclasses import dataclass

#: Category names the analysis gives itself; a rule may not take them.
RESERVED_CATEGORIES = ("not_in_use", "too_few_responses")

_STRICT = ConfigDict(extra="forbid")


class _MappingView(Mapping):
    """Read-only mapping access to a record's declared values (``None`` means not declared)."""

    def _declared(self) -> dict[str, Any]:
        return {name: value for name in self.__dataclass_fields__
                if (value := getattr(self, name)) is not None}

    def __getitem__(self, key: str) -> Any:
        return self._declared()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._declared())

    def __len__(self) -> int:
        return len(self._declared())

    def as_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable dicts and lists, as the YAML writes them."""
        return {key: ([v.as_dict() for v in value] if isinstance(value, tuple) else value)
                for key, value in self._declared().items()}


@dataclass(frozen=True, config=_STRICT, eq=True)
class TakeholdCategory(_MappingView):
    """One category and its conditions, all of which must hold.

    Shares (``penetration_min``, ``in_use_min``) are 0–1; ``normalisation_min`` is on the
    NoMAD-style items' scale; ``maintained`` requires ``in_use`` to have reached the rules'
    ``maintenance_in_use_min`` at every wave so far.
    """

    category: str = Field(min_length=1)
    penetration_min: float | None = Field(default=None, ge=0, le=1)
    in_use_min: float | None = Field(default=None, ge=0, le=1)
    normalisation_min: float | None = None
    maintained: bool = False

    @field_validator("category")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_CATEGORIES:
            raise ValueError(f"{value} is given by the analysis itself, not by a rule")
        return value


@dataclass(frozen=True, config=_STRICT, eq=True)
class TakeholdRules(_MappingView):
    """The levels and the categories, in the order they are checked (the first that holds wins).

    ``routine_level`` and ``use_level`` are values of the Levels of Use scale: penetration is
    the share at ``routine_level`` or above, in use the share at ``use_level`` or above.
    """

    routine_level: int
    use_level: int
    categories: tuple[TakeholdCategory, ...] = Field(min_length=1)
    maintenance_in_use_min: float = Field(ge=0, le=1)

    @field_validator("categories")
    @classmethod
    def _unique(cls, value: tuple[TakeholdCategory, ...]) -> tuple[TakeholdCategory, ...]:
        names = [spec.category for spec in value]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"category {', '.join(twice)} is declared more than once")
        return value
