"""The simulated service's control endpoints, as the dock uses them: ``/_sim/faults`` and
``/_sim/digital-documents``, both unlocked by the control token (``simulator.egov.server``)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Final

from simulator.dock.errors import DockRequestError
from simulator.egov.server import CONTROL_HEADER

CONTROL_TIMEOUT_SECONDS: Final = 10.0


class ServiceControl:
    """A client of the simulated service's control endpoints over HTTPS (trusting the simulator's test CA)."""

    def __init__(self, base_url: str, ca_file: Path, control_token: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._context = ssl.create_default_context(cafile=str(ca_file))
        self._token = control_token

    @classmethod
    def for_home(cls, home: Path, base_url: str) -> ServiceControl:
        """The control client of the world under ``home`` (its CA and control token), served at ``base_url``."""
        return cls(base_url, home / "tls" / "ca.pem", (home / "control-token").read_text().strip())

    def faults(self) -> dict[str, Any]:
        """The faults injected now."""
        return self._call("GET", "/_sim/faults", None)

    def set_faults(self, settings: dict[str, Any], *, clear: bool = False) -> dict[str, Any]:
        """Change faults (a subset of the fields of ``simulator.egov.faults.Faults``); ``clear`` resets first."""
        return self._call("POST", "/_sim/faults", {**settings, "clear": clear})

    def issue_digital_document(
        self, iin: str, *, valid_for_seconds: int | None = None, document_expiry: str | None = None
    ) -> dict[str, Any]:
        """A one-time code for ``iin`` as a phone app would show it: ``code``, ``qr_payload``, ``expires_at``."""
        payload: dict[str, Any] = {"iin": iin}
        if valid_for_seconds is not None:
            payload["valid_for_seconds"] = valid_for_seconds
        if document_expiry is not None:
            payload["document_expiry"] = document_expiry
        return self._call("POST", "/_sim/digital-documents", payload)

    def _call(self, method: str, path: str, payload: dict[str, Any] | None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310  (https to the loopback simulator only)
            self._base_url + path,
            method=method,
            data=None if payload is None else json.dumps(payload).encode(),
            headers={CONTROL_HEADER: self._token, "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, context=self._context, timeout=CONTROL_TIMEOUT_SECONDS) as answer:  # noqa: S310
                return _json_object(answer.read())
        except urllib.error.HTTPError as error:
            detail = _json_object(error.read(), strict=False).get("error")
            detail = detail if isinstance(detail, dict) else {}
            message = str(detail.get("message") or f"the simulated service answered {error.code}")
            status = error.code if error.code < 500 else 502
            raise DockRequestError(status, str(detail.get("reason") or "service"), message) from None
        except (urllib.error.URLError, OSError) as error:
            raise DockRequestError(502, "service_unreachable",
                                   f"the simulated service cannot be reached ({error})") from None


def _json_object(body: bytes, *, strict: bool = True) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        value = None
    if isinstance(value, dict):
        return value
    if strict:
        raise DockRequestError(502, "service_answer", "the simulated service did not answer with a JSON object")
    return {}
