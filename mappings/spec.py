"""The mapping file's schema (pydantic): objects, routes to core targets, and field rules.

The shape only; ``checks`` then holds it against the core's targets.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

Scalar = str | int | bool | None
Transform = Literal["strip", "lower", "upper", "domain", "date", "email"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Association(_Strict):
    """A HubSpot association read as a field: the associated record of ``object`` with ``label``."""

    object: str = Field(min_length=1)
    label: str | None = None  # None: any association to that object


class Condition(_Strict):
    """A test on one CRM field: equal to a value, one of some values, or present / absent."""

    equals: Scalar = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    present: bool | None = None

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [self.in_ is not None, self.not_in is not None, self.present is not None]
        if sum(tests) > 1:
            raise ValueError("use one of in, not_in or present in a condition")
        return self


class FieldRule(_Strict):
    """Where one core field's value comes from, and how it is shaped on the way."""

    from_: str | list[str] | None = Field(default=None, alias="from")
    join: str = " "
    association: Association | None = None
    const: Scalar = None
    default: Scalar = None
    map: dict[str, Scalar] | None = None
    transform: Transform | None = None
    owner: Literal["crm", "core"] = "crm"
    required: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> FieldRule:
        sources = [self.from_ is not None, self.association is not None, self.const is not None]
        if sum(sources) != 1:
            raise ValueError("give exactly one of from, association or const")
        if isinstance(self.from_, list) and not self.from_:
            raise ValueError("from: name at least one CRM field")
        return self

    def crm_fields(self) -> list[str]:
        """The CRM fields this rule reads."""
        if self.from_ is None:
            return []
        return [self.from_] if isinstance(self.from_, str) else list(self.from_)


def _expand_rule(value: object) -> object:
    """``name: CrmField`` is short for ``name: {from: CrmField}``."""
    return {"from": value} if isinstance(value, str) else value


def _expand_condition(value: object) -> object:
    """``Field: value`` in ``when`` is short for ``Field: {equals: value}``."""
    return value if isinstance(value, dict) else {"equals": value}


Rule = Annotated[FieldRule, BeforeValidator(_expand_rule)]
Test = Annotated[Condition, BeforeValidator(_expand_condition)]


class Route(_Strict):
    """CRM records of one object that match ``when`` become ``target`` records with these fields."""

    target: Literal["partner", "end_customer", "buyer", "deal", "deal_line"]
    when: dict[str, Test] = Field(default_factory=dict)
    fields: dict[str, Rule]


class ObjectSpec(_Strict):
    """One CRM object and the routes its records take."""

    routes: list[Route] = Field(min_length=1)


class MappingFile(_Strict):
    """A whole mapping file."""

    version: int = Field(ge=1)
    crm: Literal["salesforce", "hubspot"]
    objects: dict[str, ObjectSpec] = Field(min_length=1)
