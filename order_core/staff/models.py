"""Table of the vendor staff directory: users with their roles and e-mail addresses."""

from __future__ import annotations

from sqlmodel import Field, SQLModel


class VendorUser(SQLModel, table=True):
    """A member of the vendor's staff; ``login`` is the name an Actor carries, ``roles`` a comma list.

    Notifications addressed to a vendor role (``role:pricing_desk``) go to every active user
    holding it; deactivated users keep their row (audit entries name them) and get no e-mail.
    """

    __tablename__ = "vendor_user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=200, unique=True)
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    roles: str = Field(default="", max_length=400)
    active: bool = True
