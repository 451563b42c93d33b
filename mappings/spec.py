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


class PushField(_Strict):
    """Where one CRM field's pushed value comes from: a core value, mapped to the CRM's values."""

    from_: str = Field(alias="from", min_length=1)
    map: dict[str, Scalar] | None = None


def _expand_push(value: object) -> object:
    """``CrmField: core_value`` is short for ``CrmField: {from: core_value}``."""
    return {"from": value} if isinstance(value, str) else value


class PushObject(_Strict):
    """Core records of one kind written as ``object`` records, upserted by ``external_id``."""

    object: str = Field(min_length=1)
    external_id: str | None = None
    fields: dict[str, Annotated[PushField, BeforeValidator(_expand_push)]] = Field(min_length=1)


class ResellerPush(_Strict):
    """The end customer's reseller of record: a Salesforce junction object with a role, or a
    HubSpot company-to-company association label (with the label of the other direction)."""

    object: str | None = None
    role: str | None = None
    label: str | None = None
    inverse_label: str | None = None


class PushSpec(_Strict):
    """What the push writes where (every part optional: a part left out is not pushed)."""

    deal: PushObject | None = None
    quote: PushObject | None = None
    quote_line: PushObject | None = None
    order: PushObject | None = None
    order_line: PushObject | None = None
    reseller: ResellerPush | None = None


class MappingFile(_Strict):
    """A whole mapping file."""

    version: int = Field(ge=1)
    crm: Literal["salesforce", "hubspot"]
    objects: dict[str, ObjectSpec] = Field(min_length=1)
    push: PushSpec | None = None
