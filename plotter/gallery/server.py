"""The gallery's status page: a tiny HTTP server a phone can watch the installation through.

Routes: ``GET /`` the page (:mod:`plotter.gallery.page`), ``GET /api/status`` the snapshot the
loop hands us as JSON, ``POST /api/<action>`` (pause, resume, skip, paper) which needs the
token printed at start, and ``GET /files/<path>`` for previews, thumbnails and ``paths.json``
inside the gallery folder only. Everything refused is logged to ``plotter.gallery`` with the
client and the path, never with the token that was tried.

The server runs in a daemon thread (stdlib :class:`~http.server.ThreadingHTTPServer`, one
thread per request), so a slow phone or a malformed request never stalls the plotting loop:

>>> with StatusServer(folder, token, snapshot=lambda: {"state": "idle"}, act=lambda a: a) as server:  # doctest: +SKIP
...     print(server.url_with_token)
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import os
import secrets
import socket
import stat
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path, PurePosixPath
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import numpy as np

from ..atomic import atomic_write
from ..errors import PlotterError
from ..geometry import flatten
from ..plan import Plan
from .page import PAGE_HTML

log = logging.getLogger("plotter.gallery")

ACTIONS = frozenset({"pause", "resume", "skip", "paper"})
"""What the page's buttons may ask the loop to do."""

FILE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json"}
"""The only files the page may read from the gallery folder; the catalogue and the log stay private."""

_STOP_POLL_S = 0.1  # how often the serving thread looks for a stop request: stop() returns within this
_MAX_BODY = 4096  # an action's body holds at most a token; anything bigger is not ours
_PAGE_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'nonce-{nonce}'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# A served SVG opened on its own must not run script in the page's origin (where the token lives).
_FILE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"


def new_token() -> str:
    """A fresh random token for the page's buttons (about 128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def write_paths_json(plan: Plan, path: str | os.PathLike[str]) -> None:
    """Write the strokes of ``plan`` in plot order for the live page, atomically.

    The layout is ``{"page_mm": [w, h], "strokes": [[[x, y], ...], ...], "layers": [...]}`` with
    coordinates rounded to 0.01 mm (finer than any pen, and it keeps the file small); ``layers``
    gives each pen's name, colour and tip width and how many of the strokes, in order, it draws.
    """
    paths = [p for _, p in plan.iter_paths()]
    points, offsets = flatten(paths)
    rounded = np.round(points, 2).tolist()
    document = {
        "page_mm": list(plan.page_mm),
        "strokes": [rounded[lo:hi] for lo, hi in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True)],
        "layers": [
            {"name": layer.name, "color": layer.pen.color, "width_mm": layer.pen.width_mm, "strokes": len(layer.paths)}
            for layer in plan.layers
        ],
    }
    with atomic_write(path) as handle:
        json.dump(document, handle, separators=(",", ":"))


class StatusServer:
    """Serves the status page for the gallery in ``folder`` until :meth:`stop`.

    ``snapshot()`` returns the state to show (a JSON-compatible dict) and is called on every
    poll; ``act(action)`` performs a button's action and returns a short message for the user.
    Both are called from request threads, so they must be thread-safe.
    """

    def __init__(
        self,
        folder: Path,
        token: str,
        snapshot: Callable[[], dict[str, Any]],
        act: Callable[[str], str],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not token:
            raise PlotterError("the status page needs a non-empty token for its buttons")
        self.folder = Path(folder).resolve()
        self.token = token
        self.snapshot = snapshot
        self.act = act
        self.host = host
        self.port = port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's address, e.g. ``http://127.0.0.1:8765/`` (the real port once started)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    @property
    def url_with_token(self) -> str:
        """The address to print at start: opening it lets that browser tab press the buttons."""
        return f"{self.url}?token={quote(self.token, safe='')}"

    def start(self) -> StatusServer:
        """Bind and serve in a daemon thread; raises :class:`PlotterError` if the port is taken."""
        if self._httpd is not None:
            return self
        try:
            httpd = _Server((self.host, self.port), _Handler, self)
        except OSError as error:
            raise PlotterError(f"cannot serve the status page on {self.host}:{self.port}: {error}") from error
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(_STOP_POLL_S,), name="gallery-status-page", daemon=True
        )
        self._thread.start()
        log.info("status page at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and free the port; safe to call twice."""
        httpd, thread = self._httpd, self._thread
        self._httpd = self._thread = None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if thread is not None:
            thread.join()

    def __enter__(self) -> StatusServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


class _Server(ThreadingHTTPServer):
    """The stdlib server, told who it serves and taught to log instead of printing tracebacks."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], owner: StatusServer) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.owner = owner
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("status page: request from %s failed", client_address[0])


class _Refused(Exception):
    """A request we answer with an error status; the reason goes to the log, the status to the client."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Handler(BaseHTTPRequestHandler):
    """One request: route it, answer it, log what was refused."""

    server: _Server
    server_version = "plotter-gallery"
    sys_version = ""
    timeout = 15  # a client that stops sending mid-request loses its thread after this many seconds

    # --- routing ---------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 (the stdlib's naming)
        self._dispatch(self._get)

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch(self._post)

    def _dispatch(self, route: Callable[[str], None]) -> None:
        path = urlsplit(self.path).path
        try:
            route(path)
        except _Refused as refused:
            self._refuse(path, refused.status, refused.reason)
        except ConnectionError:
            log.debug("status page: %s went away during %s %r", self.client_address[0], self.command, path)
        except Exception:
            log.exception("status page: %s %r from %s failed", self.command, path, self.client_address[0])
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR, {"ok": False, "message": "internal error"})

    def _get(self, path: str) -> None:
        if path in ("/", "/index.html"):
            self._send_page()
        elif path == "/api/status":
            self._send_json(HTTPStatus.OK, _json_safe(self.server.owner.snapshot()))
        elif path == "/favicon.ico":  # browsers ask on every visit: answer quietly rather than log a refusal
            self.send_response(HTTPStatus.NO_CONTENT)
            self.end_headers()
        elif path.startswith("/files/"):
            self._send_file(path.removeprefix("/files/"))
        elif path.removeprefix("/api/") in ACTIONS:
            raise _Refused(HTTPStatus.METHOD_NOT_ALLOWED, "actions need POST")
        else:
            raise _Refused(HTTPStatus.NOT_FOUND, "no such page")

    def _post(self, path: str) -> None:
        action = path.removeprefix("/api/") if path.startswith("/api/") else None
        if action not in ACTIONS:
            raise _Refused(HTTPStatus.NOT_FOUND, "no such action")
        if not self._token_matches(self._presented_token()):
            raise _Refused(HTTPStatus.FORBIDDEN, f"{action}: missing or wrong token")
        try:
            message = self.server.owner.act(action)
        except PlotterError as error:
            log.warning("status page: %s from %s failed: %s", action, self.client_address[0], error)
            self._send_json(HTTPStatus.CONFLICT, {"ok": False, "message": str(error)})
            return
        log.info("status page: %s from %s: %s", action, self.client_address[0], message)
        self._send_json(HTTPStatus.OK, {"ok": True, "message": str(message)})

    # --- the token -------------------------------------------------------------------
    def _presented_token(self) -> str | None:
        """The token from the ``X-Gallery-Token`` header, else from a JSON or form body's ``token`` field."""
        header = self.headers.get("X-Gallery-Token")
        body = self._read_body()
        if header is not None:
            return header
        if not body:
            return None
        kind = self.headers.get_content_type()
        if kind == "application/json":
            try:
                fields = json.loads(body)
            except ValueError as error:
                raise _Refused(HTTPStatus.BAD_REQUEST, "body is not valid JSON") from error
            token = fields.get("token") if isinstance(fields, dict) else None
            return token if isinstance(token, str) else None
        if kind == "application/x-www-form-urlencoded":
            values = parse_qs(body.decode("utf-8", "replace")).get("token")
            return values[0] if values else None
        return None

    def _token_matches(self, presented: str | None) -> bool:
        expected = self.server.owner.token.encode("utf-8")
        # compare_digest takes as long for a near miss as for a far one: no guessing it byte by byte.
        return presented is not None and hmac.compare_digest(presented.encode("utf-8", "replace"), expected)

    def _read_body(self) -> bytes:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError as error:
            raise _Refused(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from error
        if length < 0 or length > _MAX_BODY:
            raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body of {length} bytes")
        return self.rfile.read(length) if length else b""

    # --- files -----------------------------------------------------------------------
    def _send_file(self, encoded: str) -> None:
        try:
            relative = unquote(encoded, errors="strict")
        except UnicodeDecodeError as error:
            raise _Refused(HTTPStatus.NOT_FOUND, "path is not UTF-8") from error
        target = self._resolve(relative)
        try:
            handle = open(target, "rb")  # noqa: SIM115 (closed below, after the copy)
        except OSError as error:
            raise _Refused(HTTPStatus.NOT_FOUND, "file cannot be opened") from error
        with handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise _Refused(HTTPStatus.NOT_FOUND, "not a regular file")
            etag = f'"{info.st_mtime_ns:x}-{info.st_size:x}"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(HTTPStatus.NOT_MODIFIED)
                self.send_header("ETag", etag)
                self.end_headers()
                return
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", FILE_TYPES[target.suffix.lower()])
            self.send_header("Content-Length", str(info.st_size))
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", "no-cache")
            self.send_header("Content-Security-Policy", _FILE_CSP)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            while chunk := handle.read(1 << 16):
                self.wfile.write(chunk)

    def _resolve(self, relative: str) -> Path:
        """The real path of ``relative`` inside the gallery folder, or a refusal saying why not."""
        folder = self.server.owner.folder
        parts = PurePosixPath(relative).parts
        if not relative or "\x00" in relative or "\\" in relative or relative.startswith("/"):
            raise _Refused(HTTPStatus.FORBIDDEN, "not a relative path")
        if ".." in parts:
            raise _Refused(HTTPStatus.FORBIDDEN, "path climbs out of the gallery folder")
        if PurePosixPath(relative).suffix.lower() not in FILE_TYPES:
            raise _Refused(HTTPStatus.NOT_FOUND, "file type not served")
        try:
            real = folder.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError) as error:
            raise _Refused(HTTPStatus.NOT_FOUND, "no such file") from error
        if not real.is_relative_to(folder):
            raise _Refused(HTTPStatus.FORBIDDEN, "link leads out of the gallery folder")
        if real.suffix.lower() not in FILE_TYPES:
            raise _Refused(HTTPStatus.NOT_FOUND, "link leads to a file type not served")
        return real

    # --- answers ---------------------------------------------------------------------
    def _send_page(self) -> None:
        nonce = secrets.token_urlsafe(12)
        body = PAGE_HTML.replace("__NONCE__", nonce).encode("utf-8")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Security-Policy", _PAGE_CSP.format(nonce=nonce))
        self.send_header("Referrer-Policy", "no-referrer")  # the first load carries the token in its URL
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: HTTPStatus, document: Any) -> None:
        body = json.dumps(document, separators=(",", ":"), allow_nan=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(body)

    def _refuse(self, path: str, status: HTTPStatus, reason: str) -> None:
        # The path only, never the query or the body: they may hold a token someone tried.
        log.warning("refused %s %r from %s: %d %s", self.command, path, self.client_address[0], status, reason)
        message = "refused" if status == HTTPStatus.FORBIDDEN else status.phrase
        self._send_json(status, {"ok": False, "message": message})

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the stdlib's signature)
        """Send the stdlib's own messages (malformed requests) to the gallery log, not to stderr."""
        log.warning("status page: %s from %s", format % args, self.client_address[0])

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Successful requests are not worth a line each: the page polls every second."""


def _json_safe(value: Any) -> Any:
    """``value`` with NaN/inf turned into null and numpy scalars into Python ones, so browsers can parse it."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return value.as_posix()
    return value
