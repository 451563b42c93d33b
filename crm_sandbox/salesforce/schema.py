"""Object and field definitions (the sandbox org's schema) and the system fields every object has."""

from __future__ import annotations

from dataclasses import dataclass, field

SOAP_TYPES = {
    "id": "tns:ID",
    "reference": "tns:ID",
    "string": "xsd:string",
    "textarea": "xsd:string",
    "picklist": "xsd:string",
    "email": "xsd:string",
    "phone": "xsd:string",
    "url": "xsd:string",
    "boolean": "xsd:boolean",
    "currency": "xsd:double",
    "double": "xsd:double",
    "percent": "xsd:double",
    "int": "xsd:int",
    "date": "xsd:date",
    "datetime": "xsd:dateTime",
}
STRING_TYPES = frozenset({"string", "textarea", "picklist", "email", "phone", "url"})
NUMBER_TYPES = frozenset({"currency", "double", "percent", "int"})


@dataclass(frozen=True)
class FieldDef:
    """One field of an object, with the attributes describe reports and validation uses."""

    name: str
    type: str
    label: str = ""
    required: bool = False  # createable, not nillable and not defaulted: REQUIRED_FIELD_MISSING
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    picklist: tuple[str, ...] = ()
    restricted: bool = False  # a restricted picklist refuses values it does not list
    length: int = 255
    precision: int = 18
    scale: int = 2
    custom: bool = False

    @property
    def nillable(self) -> bool:
        """Whether the field may be null."""
        return not self.required and self.type not in ("boolean", "id")

    @property
    def is_string(self) -> bool:
        """Text-like (compared case-insensitively in SOQL)."""
        return self.type in STRING_TYPES

    @property
    def filterable(self) -> bool:
        """Usable in a WHERE clause (long text areas are not)."""
        return not (self.type == "textarea" and self.length > 255)

    @property
    def sortable(self) -> bool:
        """Usable in ORDER BY (text areas are not)."""
        return self.type != "textarea"


def f(name: str, type_: str, **kw: object) -> FieldDef:
    """Shorthand for a field; ``__c`` names are custom; references default their relationship name."""
    custom = name.endswith("__c")
    label = str(kw.pop("label", name.removesuffix("__c").replace("_", " ")))
    if type_ == "reference" and "relationship_name" not in kw:
        rel = name[:-2] if name.endswith("Id") else name.removesuffix("__c") + "__r"
        kw["relationship_name"] = rel
    length = 18 if type_ in ("id", "reference") else kw.pop("length", 255)
    return FieldDef(name, type_, label=label, custom=custom, length=int(str(length)), **kw)  # type: ignore[arg-type]


def system_fields() -> list[FieldDef]:
    """Id, IsDeleted and the audit stamps every object carries."""
    ro = {"createable": False, "updateable": False}
    return [
        f("Id", "id", label="Record ID", **ro),
        f("IsDeleted", "boolean", label="Deleted", **ro),
        f("CreatedDate", "datetime", label="Created Date", **ro),
        f("LastModifiedDate", "datetime", label="Last Modified Date", **ro),
        f("SystemModstamp", "datetime", label="System Modstamp", **ro),
    ]


@dataclass
class ObjectDef:
    """An sObject type: name, key prefix and fields (system fields first)."""

    name: str
    key_prefix: str
    label: str
    label_plural: str
    fields: list[FieldDef]
    #: Only queried and retrieved through the API (``OrderStatus``): every write is refused.
    read_only: bool = False
    by_name: dict[str, FieldDef] = field(init=False)
    by_lower: dict[str, FieldDef] = field(init=False)

    def __post_init__(self) -> None:
        self.fields = system_fields() + self.fields
        self.by_name = {fd.name: fd for fd in self.fields}
        self.by_lower = {fd.name.lower(): fd for fd in self.fields}

    def field(self, name: str) -> FieldDef | None:
        """A field by name, case-insensitively (SOQL and REST accept any case)."""
        return self.by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (case-insensitive)."""
        low = name.lower()
        for fd in self.fields:
            if fd.relationship_name is not None and fd.relationship_name.lower() == low:
                return fd
        return None

    @property
    def external_ids(self) -> list[FieldDef]:
        """Fields usable for upsert."""
        return [fd for fd in self.fields if fd.external_id]
