"""/healthz and /readyz (HTTP mode) against real services."""

import json
import threading
import urllib.error
import urllib.request

from bot.slack.server import readiness, start_http


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def serve(services):
    server = start_http(None, services, host="127.0.0.1", port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def test_ready_when_model_index_and_state_are_up(kb_services):
    server, base = serve(kb_services)
    try:
        assert get(base + "/healthz") == (200, {"status": "ok"})
        status, body = get(base + "/readyz")
        assert (
            status == 200 and body["ready"] and body["model_loaded"] and body["index_chunks"] > 50
        )
        assert get(base + "/nope")[0] == 404
        assert get(base + "/slack/events")[0] == 404  # probes-only server (Socket Mode)
    finally:
        server.shutdown()


def test_not_ready_with_an_empty_index(services):
    ready, checks = readiness(services)
    assert not ready and checks["index_chunks"] == 0
    server, base = serve(services)
    try:
        status, body = get(base + "/readyz")
        assert status == 503 and body["ready"] is False
        assert get(base + "/healthz")[0] == 200  # the process itself is up
    finally:
        server.shutdown()
