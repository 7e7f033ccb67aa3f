"""Keeps the evidence of the service's signed answers: a ``requests`` response hook recording the headers.

``EgovClient`` verifies every answer's RFC 9421 signature before it parses it, but returns only the parsed
result. The journal must keep what proves that answer (DESIGN.md section 7), so this hook records, per
thread, the Content-Digest, Signature-Input and Signature of the last response the session received, and
our request's Signature the response is bound to. When a client call returns, the last response on that
thread is the one it verified and parsed (calls on one thread are sequential; retries come before it).
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from kiosk.journal.entries import MAX_EVIDENCE_FIELD, Evidence


class ResponseEvidence:
    """Records the signature evidence of each response a session receives, one slot per thread."""

    def __init__(self) -> None:
        self._local = threading.local()

    def install(self, session: requests.Session) -> requests.Session:
        """Add the hook to ``session`` (pass that session to ``EgovClient``) and return it."""
        session.hooks["response"].append(self._record)
        return session

    def clear(self) -> None:
        """Forget this thread's last evidence (before a new call)."""
        self._local.last = None

    def take(self) -> Evidence | None:
        """This thread's last recorded evidence, then forget it."""
        last: Evidence | None = getattr(self._local, "last", None)
        self._local.last = None
        return last

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        self._local.last = evidence_of(response)


def evidence_of(response: requests.Response) -> Evidence | None:
    """The evidence carried by a response's headers, None when it is unsigned or a header is unusable."""
    request_headers = response.request.headers if response.request is not None else {}
    values = (
        response.headers.get("Content-Digest"),
        response.headers.get("Signature"),
        response.headers.get("Signature-Input"),
        request_headers.get("Signature"),
    )
    texts: list[str] = []
    for raw in values:
        value = raw.decode("ascii", "replace") if isinstance(raw, bytes) else raw
        if not isinstance(value, str) or not value.isascii() or not 0 < len(value) <= MAX_EVIDENCE_FIELD:
            return None
        texts.append(value)
    return Evidence(content_digest=texts[0], signature=texts[1], signature_input=texts[2], request_signature=texts[3])
