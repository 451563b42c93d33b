"""CRM connections: the connections file (YAML) that names each one, its CRM, mapping and credentials.

Credentials are never written in the file: each secret is the name of an environment variable
(``token_env: EMEA_HS_TOKEN``), read when the file is loaded and kept as ``SecretStr``. A connection's
name is the ``source`` of every core row it writes. Without a file, one connection per local sandbox
(``salesforce`` and ``hubspot``) is the default, for the demo.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from mappings.yaml_lines import (
    Path_,
    YamlError,
    line_of,
    read_with_lines,
    validation_problems,
)

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,29}$")]
EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class ConnectionsError(ValueError):
    """A connections file that cannot be used; one line per problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JwtBearer(_Strict):
    """Salesforce OAuth 2.0 JWT bearer flow: a connected app's key signs an assertion for a user."""

    flow: Literal["jwt_bearer"]
    client_id: str
    username: str
    private_key_file_env: EnvName  # the variable holds the path of the PEM private key


class ClientCredentials(_Strict):
    """Salesforce OAuth 2.0 client credentials flow (the connected app runs as its integration user)."""

    flow: Literal["client_credentials"]
    client_id: str
    client_secret_env: EnvName


class RefreshToken(_Strict):
    """OAuth 2.0 refresh token flow (Salesforce or HubSpot)."""

    flow: Literal["refresh_token"]
    client_id: str
    client_secret_env: EnvName | None = None
    refresh_token_env: EnvName


class PrivateApp(_Strict):
    """HubSpot private-app access token."""

    flow: Literal["private_app"]
    token_env: EnvName


class SalesforceSpec(_Strict):
    """A Salesforce org."""

    kind: Literal["salesforce"]
    mapping: str
    login_url: str = "https://login.salesforce.com"
    api_version: str = Field(default="62.0", pattern=r"^\d{2,3}\.0$")
    ca_bundle: str | None = None  # PEM file of CAs to trust instead of the system store
    auth: Annotated[JwtBearer | ClientCredentials | RefreshToken, Field(discriminator="flow")]
    budget_share: float = Field(default=0.8, gt=0, le=1)
    page_size: int = Field(default=2000, ge=200, le=2000)
    bulk_threshold: int = Field(default=200_000, ge=1)
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)


class HubSpotSpec(_Strict):
    """A HubSpot portal."""

    kind: Literal["hubspot"]
    mapping: str
    base_url: str = "https://api.hubapi.com"
    auth: Annotated[PrivateApp | RefreshToken, Field(discriminator="flow")]
    budget_share: float = Field(default=0.8, gt=0, le=1)
    page_size: int = Field(default=200, ge=10, le=200)  # search results per page (HubSpot: 200 max)
    requests_per_10s: int = Field(default=190, ge=1, le=190)
    searches_per_second: int = Field(default=5, ge=1, le=5)
    overlap_seconds: int = Field(default=300, ge=0, le=86_400)
    associations_full_every_hours: int = Field(default=24, ge=1)


Spec = Annotated[SalesforceSpec | HubSpotSpec, Field(discriminator="kind")]


class ConnectionsFile(_Strict):
    """The whole file: connections by name."""

    connections: dict[Name, Spec] = Field(min_length=1)


class Connection(BaseModel):
    """A connection ready to use: its spec, the mapping file's path and its secrets read."""

    model_config = ConfigDict(frozen=True)

    name: str
    spec: SalesforceSpec | HubSpotSpec
    mapping_path: Path
    ca_bundle: Path | None = None
    secrets: dict[str, SecretStr] = Field(default_factory=dict, repr=False)

    @property
    def kind(self) -> str:
        """salesforce or hubspot."""
        return self.spec.kind

    def secret(self, key: str) -> str:
        """A secret's value, for the client that sends it (never for a log line)."""
        return self.secrets[key].get_secret_value()


def _read_secrets(
    name: str, spec: SalesforceSpec | HubSpotSpec, env: dict[str, str]
) -> dict[str, SecretStr]:
    found: dict[str, SecretStr] = {}
    missing: list[str] = []
    for key, value in spec.auth.model_dump().items():
        if key.endswith("_env") and value:
            if env.get(value):
                found[key.removesuffix("_env")] = SecretStr(env[value])
            else:
                missing.append(f"{value} (auth.{key})")
    if missing:
        raise ConnectionsError(
            f"connection {name}: the environment variable(s) {', '.join(missing)} are not set; "
            "export them before starting"
        )
    return found


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _path(value: str, base: Path, env: dict[str, str], what: str) -> Path:
    """A path from the file: ``${VAR}`` and ``~`` expanded, relative to the file's folder."""

    def var(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConnectionsError(f"{what}: the environment variable {name} is not set; export it")
        return env[name]

    path = Path(_VAR.sub(var, value)).expanduser()
    return path if path.is_absolute() else base / path


#: Secrets a flow reads from the environment: each is named by ``<secret>_env`` in the file.
_SECRETS = ("client_secret", "refresh_token", "token", "private_key_file")


def _literal_secrets(source: str, data: object, lines: dict[Path_, int]) -> None:
    """Refuse a secret written in the file itself (``client_secret: ...``) with the fix, never
    echoing its value; pydantic would only say the key is unexpected."""
    conns = data.get("connections") if isinstance(data, dict) else None
    if not isinstance(conns, dict):
        return
    for name, spec in conns.items():
        auth = spec.get("auth") if isinstance(spec, dict) else None
        if not isinstance(auth, dict):
            continue
        for key in auth:
            if key in _SECRETS:
                where: Path_ = ("connections", name, "auth", key)
                raise ConnectionsError(
                    f"{source} line {line_of(lines, where)}: {'.'.join(map(str, where))}: a secret "
                    "is never written in the connections file; export it in an environment "
                    f"variable and name that variable with {key}_env"
                )


def load_connections(path: str | Path, env: dict[str, str] | None = None) -> dict[str, Connection]:
    """Read a connections file; every problem raises ConnectionsError naming file, line and key."""
    source = str(path)
    environ = dict(os.environ) if env is None else env
    try:
        data, lines = read_with_lines(path)
    except YamlError as exc:
        raise ConnectionsError(str(exc)) from None
    _literal_secrets(source, data, lines)
    try:
        parsed = ConnectionsFile.model_validate(data)
    except ValidationError as exc:
        raise ConnectionsError(validation_problems(source, data, lines, exc)) from None
    base = Path(path).resolve().parent
    out: dict[str, Connection] = {}
    for name, spec in parsed.connections.items():
        where = f"{source}: connection {name}"
        mapping = _path(spec.mapping, base, environ, where)
        if not mapping.is_file():
            raise ConnectionsError(
                f"{source}: connection {name}: mapping file {mapping} does not exist; fix the path "
                "(relative paths start at the connections file's folder)"
            )
        ca = getattr(spec, "ca_bundle", None)
        out[name] = Connection(
            name=name,
            spec=spec,
            mapping_path=mapping,
            ca_bundle=None if ca is None else _path(ca, base, environ, where),
            secrets=_read_secrets(name, spec, environ),
        )
    return out


#: Connections by name, as ``load_connections`` and ``configured_connections`` return them.
Connections = Mapping[str, Connection]

DEFAULT_FILE = Path(__file__).resolve().parent / "sandbox_connections.yaml"

#: The local sandboxes' published demo credentials (they open nothing but a sandbox on 127.0.0.1).
SANDBOX_SECRETS = {
    "CHANNELSYNC_SANDBOX_SF_CLIENT_SECRET": "channelsync-sandbox-consumer-secret",
    "CHANNELSYNC_SANDBOX_HS_TOKEN": "pat-na1-channelsync-sandbox",
}


def configured_connections(
    connections_file: Path | None, sandbox_dir: Path
) -> dict[str, Connection]:
    """The connections of ``CHANNELSYNC_CONNECTIONS_FILE``, else the two local sandboxes."""
    if connections_file is not None:
        return load_connections(connections_file)
    env = {**SANDBOX_SECRETS, "CHANNELSYNC_SANDBOX_DIR": str(sandbox_dir), **os.environ}
    return load_connections(DEFAULT_FILE, env=env)
