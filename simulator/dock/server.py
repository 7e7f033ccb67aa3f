"""The dock's web server: one page and a JSON API on 127.0.0.1, on its own thread and event loop.

Every URL starts with a random token (``http://127.0.0.1:PORT/TOKEN/``): another local user, or a web page in
the developer's browser, cannot drive the kiosk's devices without it. The server also refuses requests whose
``Host`` is not the loopback address it listens on (DNS rebinding). Actions run on one worker thread, one at a
time, so the event loop stays free and two clicks never interleave on a card slot.

API (relative to the token's URL; JSON in and out, errors as ``{"error": {"reason", "message"}}``):

- ``GET api/state``: everything the page shows (``DockControls.state``);
- ``GET api/voters?category=listed_here&limit=8``, ``GET api/voter?iin=...``;
- ``POST api/card/insert {iin, profile, faults}``, ``POST api/card/remove``;
- ``POST api/card/member {role}``: a commission member card, PIN 1234 (``kiosk run --simulator --commission``);
- ``POST api/qr/digital-document {iin, valid_for_seconds?, document_expiry?}``, ``POST api/qr/text {text}``;
- ``GET api/service/faults``, ``POST api/service/faults {latency_ms?, error?, ..., clear?}``;
- ``POST api/printer {online?, paper?: "load" | "out"}``; ``GET printer/jobs/JOB.pdf`` or ``.png``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import functools
import json
import secrets
import socket
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final

from aiohttp import web

from simulator.dock.controls import DockControls
from simulator.dock.errors import DockRequestError
from simulator.dock.page import render_page

HOST: Final = "127.0.0.1"
START_TIMEOUT_SECONDS: Final = 10.0
MAX_REQUEST_BYTES: Final = 64 * 1024
DOCK_URL_FILE: Final = "dock-url"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class DockServer:
    """Serves ``controls`` on ``127.0.0.1:port`` (0: a free port) behind ``token`` (default: a fresh random one)."""

    def __init__(self, controls: DockControls, *, port: int = 0, token: str | None = None) -> None:
        self._controls = controls
        self._port = port
        self.token = token if token is not None else secrets.token_urlsafe(24)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="dock-action")
        self._bound_port: int | None = None

    @property
    def url(self) -> str:
        """The page's URL, token included (only once started)."""
        if self._bound_port is None:
            raise RuntimeError("the dock is not started")
        return f"http://{HOST}:{self._bound_port}/{self.token}/"

    def start(self) -> str:
        """Start serving on a thread of its own; return the page's URL once it listens."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._listen())
            except BaseException as error:  # reported to start()'s caller
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="dock-server", daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT_SECONDS):
            raise RuntimeError("the dock did not start listening in time")
        if failure:
            raise RuntimeError(f"the dock cannot listen: {failure[0]}") from failure[0]
        return self.url

    def stop(self) -> None:
        """Stop serving and wait for the thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None or thread is None or not thread.is_alive():
            return
        asyncio.run_coroutine_threadsafe(self._close(), loop).result(timeout=START_TIMEOUT_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=START_TIMEOUT_SECONDS)
        self._worker.shutdown(wait=False, cancel_futures=True)

    def write_url_file(self, home: Path) -> Path:
        """Write the page's URL to ``<home>/dock-url`` (0600: the token is the key) and return the path."""
        path = home / DOCK_URL_FILE
        path.unlink(missing_ok=True)
        path.touch(mode=0o600)
        path.write_text(self.url + "\n")
        return path

    async def _listen(self) -> None:
        self._runner = web.AppRunner(self._application(), access_log=None)
        await self._runner.setup()
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((HOST, self._port))  # bound here so that port 0 tells us the port it got
        listener.listen(64)
        self._bound_port = int(listener.getsockname()[1])
        await web.SockSite(self._runner, listener).start()

    async def _close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- the application ------------------------------------------------------------------------------

    def _application(self) -> web.Application:
        app = web.Application(middlewares=[self._guard], client_max_size=MAX_REQUEST_BYTES)
        prefix = f"/{self.token}"
        routes = [
            web.get(f"{prefix}/", self._page),
            web.get(f"{prefix}/api/state", self._action(lambda _body, _query: self._controls.state())),
            web.get(f"{prefix}/api/voters", self._action(self._voters)),
            web.get(f"{prefix}/api/voter", self._action(lambda _body, query: self._controls.voter(query.get("iin")))),
            web.post(f"{prefix}/api/card/insert", self._action(self._insert_card)),
            web.post(f"{prefix}/api/card/member", self._action(
                lambda body, _query: self._controls.insert_member_card(body.get("role") or "chair"))),
            web.post(f"{prefix}/api/card/remove", self._action(lambda _body, _query: self._controls.remove_card())),
            web.post(f"{prefix}/api/qr/digital-document", self._action(self._show_digital_document)),
            web.post(f"{prefix}/api/qr/text", self._action(lambda body, _query: self._controls.show_qr_text(
                body.get("text")))),
            web.get(f"{prefix}/api/service/faults", self._action(lambda _body, _query: self._controls.faults())),
            web.post(f"{prefix}/api/service/faults", self._action(self._set_faults)),
            web.post(f"{prefix}/api/printer", self._action(lambda body, _query: self._controls.set_printer(
                online=body.get("online"), paper=body.get("paper")))),
            web.get(f"{prefix}/printer/jobs/{{job_id}}.{{extension}}", self._job_file),
        ]
        app.add_routes(routes)
        return app

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Refuse a foreign ``Host`` and any path not under the token, before routing (so no 404 leaks)."""
        allowed_hosts = {f"{HOST}:{self._bound_port}", f"localhost:{self._bound_port}"}
        if request.host not in allowed_hosts:
            return _error_response(DockRequestError(403, "forbidden", "wrong host"))
        first_segment = request.path.split("/", 2)[1] if request.path.startswith("/") else ""
        if not secrets.compare_digest(first_segment.encode(), self.token.encode()):
            return _error_response(DockRequestError(403, "forbidden", "wrong or missing dock token"))
        return await handler(request)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text=render_page(), content_type="text/html", charset="utf-8",
                            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                                     "Content-Security-Policy": _CONTENT_SECURITY_POLICY})

    def _action(self, action: Callable[[dict[str, Any], dict[str, str]], Any]) -> Handler:
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                body = await _json_body(request)
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._worker, functools.partial(
                    action, body, dict(request.query)))
            except DockRequestError as error:
                return _error_response(error)
            return web.json_response(result, dumps=functools.partial(json.dumps, ensure_ascii=False),
                                     headers={"Cache-Control": "no-store"})

        return handle

    def _voters(self, _body: dict[str, Any], query: dict[str, str]) -> Any:
        try:
            limit = int(query.get("limit", "8"))
        except ValueError:
            raise DockRequestError(400, "invalid_limit", "limit must be a whole number") from None
        return self._controls.voters(query.get("category"), limit)

    def _insert_card(self, body: dict[str, Any], _query: dict[str, str]) -> Any:
        return self._controls.insert_card(body.get("iin"), body.get("profile"), body.get("faults") or [])

    def _show_digital_document(self, body: dict[str, Any], _query: dict[str, str]) -> Any:
        return self._controls.show_digital_document(
            body.get("iin"), valid_for_seconds=body.get("valid_for_seconds"),
            document_expiry=body.get("document_expiry"))

    def _set_faults(self, body: dict[str, Any], _query: dict[str, str]) -> Any:
        settings = dict(body)
        clear = bool(settings.pop("clear", False))
        return self._controls.set_faults(settings, clear=clear)

    async def _job_file(self, request: web.Request) -> web.StreamResponse:
        extension = request.match_info["extension"]
        if extension not in ("pdf", "png"):
            return _error_response(DockRequestError(404, "no_such_file", "no such printed file"))
        try:
            path = self._controls.job_file(request.match_info["job_id"], "pdf" if extension == "pdf" else "png")
        except DockRequestError as error:
            return _error_response(error)
        content_type = "application/pdf" if extension == "pdf" else "image/png"
        return web.Response(body=path.read_bytes(), content_type=content_type,
                            headers={"Cache-Control": "no-store"})


_CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.method != "POST" or not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise DockRequestError(400, "invalid_json", "the request body is not JSON") from None
    except web.HTTPRequestEntityTooLarge:
        raise DockRequestError(413, "too_large", "the request body is too large") from None
    if not isinstance(body, dict):
        raise DockRequestError(400, "invalid_json", "send a JSON object")
    return body


def _error_response(error: DockRequestError) -> web.Response:
    return web.json_response({"error": {"reason": error.reason, "message": error.message}}, status=error.status)
