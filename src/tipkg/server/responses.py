"""Responses that are built once and served many times: the graph does not change while it is served.

A `Representation` is a finished body with its media type and headers and a strong ETag. Pages and canned
query results are kept for the life of the server (their number is bounded by the graph); answers to
ad-hoc SPARQL queries go into a small LRU. Clients get `ETag` and `Cache-Control`, and `If-None-Match`
gets a 304.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import Response

from tipkg.formats import Format

CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class Representation:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()
    status: int = 200
    etag: str = ""

    @classmethod
    def of(
        cls, body: bytes, fmt: Format | str, headers: dict[str, str] | None = None, status: int = 200
    ) -> Representation:
        content_type = fmt.content_type if isinstance(fmt, Format) else fmt
        etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"' if status == 200 else ""
        return cls(body, content_type, tuple((headers or {}).items()), status, etag)

    def response(self, request: Request) -> Response:
        headers = dict(self.headers)
        if self.status == 200:
            headers["ETag"] = self.etag
            headers["Cache-Control"] = CACHE_CONTROL
            if self.etag in _etags(request.headers.get("if-none-match")):
                return Response(status_code=304, headers=headers)
        return Response(self.body, status_code=self.status, headers=headers, media_type=self.content_type)


def _etags(header: str | None) -> list[str]:
    if not header:
        return []
    return [tag.strip().removeprefix("W/") for tag in header.split(",")]


@dataclass
class LRU:
    """A bounded cache of Representations (by count and by total body size)."""

    max_entries: int = 512
    max_bytes: int = 64 * 1024 * 1024
    _items: OrderedDict = field(default_factory=OrderedDict)
    _bytes: int = 0

    def get(self, key):
        entry = self._items.get(key)
        if entry is None:
            return None
        self._items.move_to_end(key)
        return entry[0]

    def put(self, key, value, size: int | None = None) -> None:
        """Keep a value; its size is its body's length unless given (then it is an estimate)."""
        size = len(value.body) if size is None else size
        if size > self.max_bytes // 8:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._items[key] = (value, size)
        self._bytes += size
        while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
            _, (_, dropped) = self._items.popitem(last=False)
            self._bytes -= dropped
