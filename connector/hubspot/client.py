"""The HubSpot calls the read side makes: hubspot-api-client's generated APIs, raw JSON back.

Every call goes through the client's own configuration (host, bearer token, connection pool) but
asks for the raw response (``_preload_content=False``) and decodes it with ``json.loads``: the
client's model building costs several times the wire time (``bench/bench_hubspot_client.py``
measures both). urllib3's own retries are off, so each try is one request; around it sit, in
this order: the pacing windows, the API budget, one token refresh on a 401, error translation
(``failures``) and the shared ``RetryPolicy``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

import hubspot.crm.associations.v4.exceptions as assoc_exceptions
import hubspot.crm.associations.v4.schema.exceptions as label_exceptions
import hubspot.crm.objects.exceptions as object_exceptions
import hubspot.crm.properties.exceptions as property_exceptions
import hubspot.oauth.exceptions as oauth_exceptions
import urllib3
from hubspot import HubSpot
from urllib3.util.retry import Retry

from connector.budget import ApiBudget
from connector.errors import RetriableError
from connector.hubspot.auth import Auth, RefreshTokenAuth, redact
from connector.hubspot.failures import (
    describe,
    error_body,
    malformed,
    status_error,
    transport_error,
)
from connector.hubspot.pacing import Pacing
from connector.retry import RetryPolicy

log = logging.getLogger(__name__)

TIMEOUT = (10.0, 60.0)  # seconds to connect, seconds to wait for an answer
_API_ERRORS = (
    object_exceptions.ApiException,
    assoc_exceptions.ApiException,
    label_exceptions.ApiException,
    property_exceptions.ApiException,
    oauth_exceptions.ApiException,
)
_TRANSPORT_ERRORS = (urllib3.exceptions.HTTPError, OSError)
#: Keyword arguments of every generated API call: the raw answer, a timeout.
RAW: dict[str, Any] = {"_preload_content": False, "_request_timeout": TIMEOUT}

Json = dict[str, Any]


class _Unauthorized(Exception):
    """A 401: the caller decides between one token refresh and ``AuthError``."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class HubSpotClient:
    """One connection's HubSpot API access (objects, search, associations v4, OAuth)."""

    def __init__(
        self,
        connection: str,
        base_url: str,
        auth: Auth,
        *,
        retry: RetryPolicy,
        pacing: Pacing,
        budget: ApiBudget,
    ) -> None:
        self.connection = connection
        self.base_url = base_url.rstrip("/")
        self.retry = retry
        self.pacing = pacing
        self.budget = budget
        self.retries = 0
        self._auth = auth
        self._lock = threading.Lock()  # a search worker and the caller share this client
        hub = HubSpot(
            access_token=auth.access_token(), host=base_url.rstrip("/"), retry=Retry(0, redirect=0)
        )
        # Each discovery property builds a new ApiClient with its own pool: build each API once.
        self._search = hub.crm.objects.search_api
        self._basic = hub.crm.objects.basic_api
        self._batch = hub.crm.objects.batch_api
        self._assoc = hub.crm.associations.v4.batch_api
        self._labels = hub.crm.associations.v4.schema.definitions_api
        self._properties = hub.crm.properties.core_api
        self._tokens = hub.oauth.tokens_api
        self._apis = [
            self._search,
            self._basic,
            self._batch,
            self._assoc,
            self._labels,
            self._properties,
            self._tokens,
        ]

    # -- the generated APIs the write side calls through ``call`` ------------------------------
    @property
    def objects_batch(self) -> Any:
        """hubspot-api-client's objects batch API (upsert, update, archive)."""
        return self._batch

    @property
    def associations_batch(self) -> Any:
        """hubspot-api-client's associations v4 batch API (create, archive, archive_labels)."""
        return self._assoc

    @property
    def association_labels(self) -> Any:
        """hubspot-api-client's associations v4 label definitions API (get_all, create)."""
        return self._labels

    @property
    def properties_api(self) -> Any:
        """hubspot-api-client's properties API (get_all: an object type's definitions)."""
        return self._properties

    # -- the calls ----------------------------------------------------------------------------
    def search(self, obj: str, body: Json) -> Json:
        """``POST /crm/v3/objects/{obj}/search``."""
        return self.call(
            f"search {obj}", lambda: self._search.do_search(obj, body, **RAW), search=True
        )

    def batch_read(self, obj: str, body: Json) -> Json:
        """``POST /crm/v3/objects/{obj}/batch/read`` (live records only)."""
        return self.call(
            f"batch read {obj}", lambda: self._batch.read(obj, body, archived=False, **RAW)
        )

    def list_page(
        self, obj: str, *, after: str | None, archived: bool, properties: list[str]
    ) -> Json:
        """``GET /crm/v3/objects/{obj}`` (100 records a page)."""
        what = f"list {'archived ' if archived else ''}{obj}"
        return self.call(
            what,
            lambda: self._basic.get_page(
                obj, limit=100, after=after, properties=properties, archived=archived, **RAW
            ),
        )

    def associations(self, from_obj: str, to_obj: str, body: Json) -> Json:
        """``POST /crm/v4/associations/{from}/{to}/batch/read``."""
        return self.call(
            f"read {from_obj} to {to_obj} associations",
            lambda: self._assoc.get_page(from_obj, to_obj, body, **RAW),
        )

    def close(self) -> None:
        """Close every connection pool."""
        for api in self._apis:
            api.api_client.close()
            api.api_client.rest_client.pool_manager.clear()

    # -- machinery ----------------------------------------------------------------------------
    def call(
        self, what: str, send: Callable[[], Any], *, search: bool = False, results: bool = True
    ) -> Json:
        """One API call with pacing, budget, one refresh on a 401 and the retry policy.

        With ``results`` the answer must carry a ``results`` list of objects (one that does not is
        retried); without, any JSON object or an empty 204 answer (``{}``) will do.
        """
        refreshed = False

        def attempt() -> Json:
            nonlocal refreshed
            if self._auth.needs_refresh(self.pacing.clock.now()):
                self._refresh(self._auth.access_token())
            while True:
                sent_with = self._auth.access_token()
                try:
                    data = self._exchange(what, send, search=search)
                    if results:
                        results_of(self.connection, what, data)
                    return data
                except _Unauthorized as exc:
                    if refreshed or not self._auth.can_refresh:
                        raise self._auth.refused(self._scrub(exc.detail)) from None
                    refreshed = True
                    self._refresh(sent_with, force=True)

        return self.retry.call(attempt, on_retry=self._retrying)

    def _refresh(self, stale: str | None, *, force: bool = False) -> None:
        """A new access token, unless another thread got one since ``stale`` was sent."""
        auth = self._auth
        assert isinstance(auth, RefreshTokenAuth)
        with self._lock:
            current = auth.access_token()
            if current != stale or not (force or auth.needs_refresh(self.pacing.clock.now())):
                return
            form = auth.form()
            try:
                body = self._exchange(
                    "OAuth token refresh", lambda: self._tokens.create(**form, **RAW), token=True
                )
            except _Unauthorized as exc:
                raise auth.refused(self._scrub(exc.detail)) from None
            auth.accept(body)
            for api in self._apis:
                api.api_client.configuration.access_token = auth.access_token()

    def _exchange(
        self, what: str, send: Callable[[], Any], *, search: bool = False, token: bool = False
    ) -> Json:
        # the token endpoint is outside the app's request windows
        slots = [] if token else self.pacing.acquire(search=search)
        try:
            return self._send(what, send, token)
        finally:
            self.pacing.answered(slots)

    def _send(self, what: str, send: Callable[[], Any], token: bool) -> Json:
        self.budget.before_call()
        try:
            response = send()
        except _API_ERRORS as exc:
            headers: Mapping[str, str] = exc.headers or {}
            self._observe(headers)
            body = error_body(exc.body)
            if token and exc.status in (400, 401, 403):
                raise self._auth.refused(self._scrub(describe(exc.status, body))) from None
            if exc.status == 401:
                raise _Unauthorized(describe(401, body)) from None
            raise status_error(
                self.connection, what, exc.status, headers, body, self._scrub
            ) from None
        except _TRANSPORT_ERRORS as exc:
            raise transport_error(self.connection, what, exc, self.base_url) from exc
        except UnicodeDecodeError:  # the client decodes an error body as UTF-8 before we see it
            raise malformed(self.connection, what, "an error body that is not UTF-8") from None
        try:
            self._observe(response.headers)
            raw = response.data
        except _TRANSPORT_ERRORS as exc:
            raise transport_error(self.connection, what, exc, self.base_url) from exc
        finally:
            response.release_conn()
        if response.status == 204:
            return {}
        try:
            data = json.loads(raw)
        except ValueError:
            raise malformed(self.connection, what, "truncated or malformed") from None
        if not isinstance(data, dict):
            raise malformed(self.connection, what, "not a JSON object")
        return data

    def _observe(self, headers: Mapping[str, str]) -> None:
        self.budget.read_headers(headers)
        self.pacing.learn(headers)

    def _scrub(self, text: str) -> str:
        return redact(text, self._auth.secrets())

    def _retrying(self, exc: RetriableError, wait: float) -> None:
        with self._lock:
            self.retries += 1
        log.info("%s; retrying in %.1f s", exc, wait)


def results_of(connection: str, what: str, data: Json) -> list[Json]:
    """The ``results`` list of an answer (``HubSpotClient.call`` has checked it is one)."""
    results = data.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise malformed(connection, what, "no results list")
    return results


def next_after(data: Json) -> str | None:
    """``paging.next.after`` of an answer, if there is a next page."""
    paging = data.get("paging") or {}
    nxt = paging.get("next") if isinstance(paging, dict) else None
    after = nxt.get("after") if isinstance(nxt, dict) else None
    return str(after) if after not in (None, "") else None
