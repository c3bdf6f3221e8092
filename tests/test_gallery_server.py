"""The gallery's status page over real HTTP: what it serves, what it refuses, and that it keeps serving."""

from __future__ import annotations

import http.client
import json
import logging
import os
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from plotter.errors import PlotterError
from plotter.gallery.page import PAGE_HTML
from plotter.gallery.server import StatusServer, new_token, write_paths_json
from plotter.plan import Layer, Pen, Plan

TOKEN = "s3cret-token"
SECRET = b"<svg>the secret outside the gallery</svg>"

SNAPSHOT = {
    "state": "drawing",
    "message": "drawing piece 7",
    "machine": {"name": "sim", "port": "sim://", "state": "connected"},
    "current": {
        "number": 7, "title": "<img src=x onerror=alert(1)>", "painter": "aaron", "seed": 12,
        "strokes_done": 3, "strokes_total": 10, "drawn_mm": 123.4, "eta_s": None,
        "preview": "pieces/0007/piece.svg", "paths": "pieces/0007/paths.json",
    },
    "next": [{"number": 8, "painter": "fool", "seed": 13}],
    "history": [],
    "pieces_done": 6,
    "started_at": "2024-05-01T10:00:00",
}


@pytest.fixture(scope="module")
def outside(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder that holds the gallery folder and a secret file the page must never serve."""
    return tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="module")
def gallery(outside: Path) -> Path:
    """A gallery folder with one piece's files, private files beside them and a secret next door."""
    tmp_path = outside
    folder = tmp_path / "gallery"
    piece = folder / "pieces" / "0007"
    piece.mkdir(parents=True)
    (piece / "piece.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    (piece / "thumb.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (piece / "paths.json").write_text('{"page_mm":[210,297],"strokes":[]}')
    (piece / "notes.txt").write_text("not served")
    (piece / "dir.svg").mkdir()
    (folder / "catalogue.sqlite").write_bytes(b"SQLite format 3\x00")
    (folder / "gallery.log").write_text("log")
    (tmp_path / "secret.svg").write_bytes(SECRET)
    (piece / "link.svg").symlink_to(tmp_path / "secret.svg")
    (piece / "inside.svg").symlink_to(piece / "piece.svg")
    (piece / "catalogue.svg").symlink_to(folder / "catalogue.sqlite")
    (folder / "escape").symlink_to(tmp_path)
    return folder


class Recorder:
    """The loop's side of the buttons: remembers each action and answers like the loop would."""

    def __init__(self) -> None:
        self.actions: list[str] = []

    def __call__(self, action: str) -> str:
        self.actions.append(action)
        if action == "skip":
            raise PlotterError("nothing to skip")
        return f"{action}: ok"


@pytest.fixture
def recorder(shared_server: tuple[StatusServer, Recorder]) -> Recorder:
    """The shared server's recorder, emptied for each test."""
    shared_server[1].actions.clear()
    return shared_server[1]


@pytest.fixture(scope="module")
def shared_server(gallery: Path):
    """One server for the tests that do not stop it (starting one per test would only cost time)."""
    recorder = Recorder()
    with StatusServer(gallery, TOKEN, snapshot=lambda: SNAPSHOT, act=recorder) as running:
        yield running, recorder


@pytest.fixture
def server(shared_server: tuple[StatusServer, Recorder], recorder: Recorder) -> StatusServer:
    return shared_server[0]


def request(server: StatusServer, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    """Send ``path`` exactly as written (urllib would tidy ``..`` away); return status, headers, body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def refusals(caplog: pytest.LogCaptureFixture) -> str:
    messages = (r.getMessage() for r in caplog.records if r.name == "plotter.gallery")
    return "\n".join(m for m in messages if "refused" in m)


# --- the page and the status ------------------------------------------------------------------


def test_page_is_served_with_its_script_allowed_by_a_fresh_nonce(server):
    with urllib.request.urlopen(server.url, timeout=10) as response:
        page = response.read().decode()
        policy = response.headers["Content-Security-Policy"]
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    nonce = re.search(r"<script nonce=\"([^\"]+)\">", page).group(1)
    assert f"'nonce-{nonce}'" in policy and "__NONCE__" not in page
    assert '<canvas id="canvas">' in page and "/api/status" in page
    second = request(server, "GET", "/")[2].decode()
    assert nonce not in second


def test_status_round_trips_the_snapshot_and_is_never_cached(server):
    with urllib.request.urlopen(server.url + "api/status", timeout=10) as response:
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Content-Type"] == "application/json"
        assert json.loads(response.read()) == SNAPSHOT


def test_status_turns_nan_and_numpy_values_into_plain_json(gallery, recorder):
    snapshot = {"current": {"eta_s": float("nan"), "strokes_done": np.int64(4), "drawn_mm": np.float64(np.inf)}}
    with StatusServer(gallery, TOKEN, snapshot=lambda: snapshot, act=recorder) as server:
        status, _, body = request(server, "GET", "/api/status")
    assert status == 200
    assert json.loads(body) == {"current": {"eta_s": None, "strokes_done": 4, "drawn_mm": None}}


def test_a_failing_snapshot_answers_500_and_the_server_keeps_serving(gallery, recorder, caplog):
    calls = iter([RuntimeError("catalogue busy")])

    def snapshot():
        error = next(calls, None)
        if error:
            raise error
        return {"state": "idle"}

    with StatusServer(gallery, TOKEN, snapshot=snapshot, act=recorder) as server:
        assert request(server, "GET", "/api/status")[0] == 500
        assert json.loads(request(server, "GET", "/api/status")[2]) == {"state": "idle"}
    assert "catalogue busy" in caplog.text


def test_the_browsers_favicon_request_is_answered_without_a_refusal(server, caplog):
    assert request(server, "GET", "/favicon.ico")[0] == 204
    assert refusals(caplog) == ""


# --- actions and the token --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (None, {"X-Gallery-Token": TOKEN}),
        (json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"}),
        (f"token={quote(TOKEN)}".encode(), {"Content-Type": "application/x-www-form-urlencoded"}),
    ],
    ids=["header", "json", "form"],
)
@pytest.mark.parametrize("action", ["pause", "resume", "paper"])
def test_action_with_the_right_token_calls_act_and_returns_its_message(server, recorder, action, body, headers):
    status, _, answer = request(server, "POST", f"/api/{action}", body, headers)
    assert status == 200
    assert json.loads(answer) == {"ok": True, "message": f"{action}: ok"}
    assert recorder.actions == [action]


def test_an_action_the_loop_cannot_do_answers_its_message_with_409(server, recorder):
    status, _, answer = request(server, "POST", "/api/skip", headers={"X-Gallery-Token": TOKEN})
    assert (status, json.loads(answer)["message"]) == (409, "nothing to skip")
    assert recorder.actions == ["skip"]


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (None, {}),
        (None, {"X-Gallery-Token": "wrong-guess-1"}),
        (None, {"X-Gallery-Token": TOKEN[:-1]}),
        (None, {"X-Gallery-Token": ""}),
        (json.dumps({"token": "wrong-guess-2"}).encode(), {"Content-Type": "application/json"}),
        (json.dumps({"token": 12345}).encode(), {"Content-Type": "application/json"}),
        (json.dumps(["wrong-guess-3"]).encode(), {"Content-Type": "application/json"}),
        (b"token=wrong-guess-4", {"Content-Type": "application/x-www-form-urlencoded"}),
        (f"token={TOKEN}".encode(), {"Content-Type": "text/plain"}),
    ],
    ids=["missing", "wrong", "prefix", "empty", "json", "json-number", "json-list", "form", "unknown-body"],
)
def test_missing_or_wrong_token_is_refused_logged_and_never_acted_on(server, recorder, caplog, body, headers):
    caplog.set_level(logging.INFO, logger="plotter.gallery")
    status, _, answer = request(server, "POST", "/api/pause?token=wrong-guess-5", body, headers)
    assert (status, json.loads(answer)["message"]) == (403, "refused")
    assert recorder.actions == []
    logged = refusals(caplog)
    assert "127.0.0.1" in logged and "/api/pause" in logged
    assert "wrong-guess" not in caplog.text and TOKEN[:-1] not in caplog.text


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("POST", "/api/launch", 404),
        ("POST", "/api/status", 404),
        ("POST", "/api/", 404),
        ("POST", "/pause", 404),
        ("GET", "/api/pause", 405),
        ("GET", "/nope", 404),
        ("GET", "/api", 404),
        ("GET", "/files", 404),
        ("GET", "/files/", 403),
    ],
)
def test_unknown_routes_are_refused_without_acting(server, recorder, caplog, method, path, status):
    headers = {"X-Gallery-Token": TOKEN}
    assert request(server, method, path, headers=headers)[0] == status
    assert recorder.actions == []
    assert repr(path) in refusals(caplog)


def test_malformed_bodies_are_refused_with_400_or_413(server, recorder):
    bad_json = request(server, "POST", "/api/pause", b"{not json", {"Content-Type": "application/json"})
    huge = request(server, "POST", "/api/pause", b"x" * 5000, {"X-Gallery-Token": TOKEN})
    assert (bad_json[0], huge[0]) == (400, 413)
    assert recorder.actions == []


# --- files ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("pieces/0007/piece.svg", "image/svg+xml"),
        ("pieces/0007/thumb.png", "image/png"),
        ("pieces/0007/paths.json", "application/json"),
        ("pieces/0007/inside.svg", "image/svg+xml"),
        ("pieces/%30007/piece.svg", "image/svg+xml"),
    ],
)
def test_piece_files_are_served_with_their_content_type(server, gallery, path, content_type):
    status, headers, body = request(server, "GET", "/files/" + path)
    assert (status, headers["Content-Type"]) == (200, content_type)
    assert body == (gallery / "pieces/0007" / Path(path).name).resolve().read_bytes()
    assert "sandbox" in headers["Content-Security-Policy"]


def test_an_unchanged_file_answers_304_to_its_etag(server):
    etag = request(server, "GET", "/files/pieces/0007/thumb.png")[1]["ETag"]
    assert request(server, "GET", "/files/pieces/0007/thumb.png", headers={"If-None-Match": etag})[0] == 304


def traversals(tmp_path: Path) -> list[str]:
    secret = str(tmp_path / "secret.svg")
    return [
        "/files/../secret.svg",
        "/files/pieces/../../secret.svg",
        "/files/%2e%2e/secret.svg",
        "/files/%2E%2E%2Fsecret.svg",
        "/files/pieces/0007/..%2f..%2f..%2fsecret.svg",
        "/files/" + secret,
        "/files/" + quote(secret, safe=""),
        "/files/..%5csecret.svg",
        "/files/pieces/0007/link.svg",
        "/files/escape/secret.svg",
        "/files/pieces/0007/piece.svg%00.png",
    ]


def test_paths_out_of_the_folder_are_refused_and_logged(server, outside, caplog):
    for path in traversals(outside):
        status, _, body = request(server, "GET", path)
        assert status in (403, 404), path
        assert SECRET not in body, path
        assert "127.0.0.1" in refusals(caplog), path
    assert refusals(caplog).count("refused GET") == len(traversals(outside))


@pytest.mark.parametrize(
    "path",
    [
        "catalogue.sqlite",
        "gallery.log",
        "pieces/0007/notes.txt",
        "pieces/0007/dir.svg",
        "pieces/0007/missing.svg",
        "pieces/0007/catalogue.svg",
        "pieces/0007/%ff.svg",
        "pieces/0007",
    ],
)
def test_only_regular_svg_png_and_json_files_are_served(server, path):
    status, _, body = request(server, "GET", "/files/" + path)
    assert status == 404
    assert b"SQLite" not in body and b"not served" not in body


# --- robustness and lifecycle -------------------------------------------------------------------


def test_garbage_on_the_socket_does_not_stop_the_server(server, caplog):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(b"\x16\x03\x01 not http at all\r\n\r\n")
        raw.recv(1024)
    assert request(server, "GET", "/api/status")[0] == 200
    assert "status page" in caplog.text


def test_stop_frees_the_port_and_can_be_called_twice(gallery, recorder):
    server = StatusServer(gallery, TOKEN, snapshot=lambda: {}, act=recorder).start()
    port = server.port
    assert server.url == f"http://127.0.0.1:{port}/"
    server.stop()
    server.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
    with StatusServer(gallery, TOKEN, snapshot=lambda: {}, act=recorder, port=port) as again:
        assert request(again, "GET", "/")[0] == 200


def test_a_port_in_use_is_a_clear_error(server, gallery, recorder):
    with pytest.raises(PlotterError, match=rf"127\.0\.0\.1:{server.port}"):
        StatusServer(gallery, TOKEN, snapshot=lambda: {}, act=recorder, port=server.port).start()


def test_an_empty_token_is_rejected(gallery, recorder):
    with pytest.raises(PlotterError, match="token"):
        StatusServer(gallery, "", snapshot=lambda: {}, act=recorder)


def test_url_with_token_opens_the_page_and_quotes_the_token(gallery, recorder):
    with StatusServer(gallery, "a b/c", snapshot=lambda: {}, act=recorder) as server:
        assert server.url_with_token == f"{server.url}?token=a%20b%2Fc"
        assert request(server, "GET", "/?token=a%20b%2Fc")[0] == 200


def test_new_tokens_are_long_random_and_url_safe():
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{20,}", t) for t in tokens)


def test_page_builds_the_dom_from_text_only():
    assert "innerHTML" not in PAGE_HTML and "insertAdjacentHTML" not in PAGE_HTML and "document.write" not in PAGE_HTML


# --- paths.json ---------------------------------------------------------------------------------


def test_paths_json_lists_strokes_in_plot_order_rounded_to_a_hundredth(tmp_path):
    black, red = Pen("black"), Pen("red", "#cc0000", 0.5)
    plan = Plan(
        (210.0, 297.0),
        (Layer(black, ([(0.004, 1.006), (2.5, 3.333)], [(5, 5)])), Layer(red, ([(9.999, 0), (1, 1), (2, 2)],))),
    )
    target = tmp_path / "paths.json"
    write_paths_json(plan, target)
    document = json.loads(target.read_text())
    assert document["page_mm"] == [210.0, 297.0]
    assert document["strokes"] == [[[0.0, 1.01], [2.5, 3.33]], [[5.0, 5.0]], [[10.0, 0.0], [1.0, 1.0], [2.0, 2.0]]]
    assert document["layers"] == [
        {"name": "black", "color": "#000000", "width_mm": 0.3, "strokes": 2},
        {"name": "red", "color": "#cc0000", "width_mm": 0.5, "strokes": 1},
    ]
    assert os.listdir(tmp_path) == ["paths.json"]


def test_paths_json_of_an_empty_plan_has_no_strokes(tmp_path):
    write_paths_json(Plan((100.0, 100.0)), tmp_path / "paths.json")
    assert json.loads((tmp_path / "paths.json").read_text()) == {"page_mm": [100.0, 100.0], "strokes": [], "layers": []}


@given(st.lists(st.lists(st.tuples(st.floats(-1e4, 1e4), st.floats(-1e4, 1e4)), min_size=1, max_size=6), max_size=6))
def test_paths_json_keeps_every_point_within_half_a_hundredth(tmp_path_factory, strokes):
    plan = Plan((100.0, 100.0), (Layer(Pen("black"), tuple(strokes)),))
    target = tmp_path_factory.mktemp("paths") / "paths.json"
    write_paths_json(plan, target)
    written = json.loads(target.read_text())["strokes"]
    assert [len(s) for s in written] == [len(s) for s in strokes]
    for got, want in zip(written, strokes, strict=True):
        assert np.allclose(got, want, rtol=0, atol=0.005 + 1e-9)
