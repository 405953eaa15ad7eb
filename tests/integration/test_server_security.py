"""Access control and cross-origin protection of the server ."""

from __future__ import annotations

import argparse
import logging

import pytest
from fastapi.testclient import TestClient

from promptlight.server import Settings, add_serve_arguments, create_app, run_serve
from promptlight.server.guard import cookie_name, cookie_value

pytestmark = pytest.mark.integration

TOKEN = "correct-horse-battery-staple"


@pytest.fixture
def make_client(tmp_path):
    clients: list[TestClient] = []

    def make(settings: Settings, base_url: str = "http://localhost") -> TestClient:
        app = create_app(
            models={"tiny": "tiny"},
            datasets={"sample_prompts": "sample_prompts"},
            db_path=tmp_path / "db.sqlite",
            settings=settings,
        )
        client = TestClient(app, base_url=base_url, raise_server_exceptions=False, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def _code(response) -> str:
    return response.json()["error"]["code"]


# --- token ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/health", "/api/settings", "/api/examples", "/", "/docs", "/openapi.json"])
def test_with_a_token_every_route_needs_it(make_client, path):
    client = make_client(Settings(token=TOKEN))
    response = client.get(path)
    assert response.status_code == 401 and _code(response) == "unauthorized"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert client.get(path, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get(path, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def test_state_changing_routes_need_the_token_too(make_client):
    client = make_client(Settings(token=TOKEN))
    response = client.post("/api/datapoints", json={"prompt": "x"})
    assert response.status_code == 401
    ok = client.post("/api/datapoints", json={"prompt": "x"}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert ok.status_code == 201


def test_token_link_sets_a_cookie_and_drops_the_token_from_the_url(make_client):
    client = make_client(Settings(token=TOKEN, port=6001))
    response = client.get("/", params={"token": TOKEN, "example": "sample_prompts:3"})
    assert response.status_code == 303
    assert response.headers["location"] == "/?example=sample_prompts%3A3"
    set_cookie = response.headers["set-cookie"]
    assert set_cookie.startswith(f"{cookie_name(6001)}={cookie_value(TOKEN)}")
    assert "HttpOnly" in set_cookie and "samesite=strict" in set_cookie.lower()
    assert TOKEN not in set_cookie  # the cookie holds an HMAC of the token, not the token
    cookie = {"Cookie": f"{cookie_name(6001)}={cookie_value(TOKEN)}"}
    assert client.get("/api/health", headers=cookie).status_code == 200
    assert client.get("/api/health", headers={"Cookie": f"{cookie_name(6001)}=forged"}).status_code == 401


def test_a_wrong_token_link_is_refused(make_client):
    client = make_client(Settings(token=TOKEN))
    response = client.get("/", params={"token": "guess"})
    assert response.status_code == 401 and "set-cookie" not in response.headers


def test_the_token_is_never_echoed(make_client):
    client = make_client(Settings(token=TOKEN))
    auth = {"Authorization": f"Bearer {TOKEN}"}
    for path in ("/api/settings", "/api/health", "/openapi.json", "/api/nope"):
        assert TOKEN not in client.get(path, headers=auth).text
    assert TOKEN not in repr(Settings(token=TOKEN))


def test_with_a_token_any_host_name_is_accepted(make_client):
    client = make_client(Settings(token=TOKEN, host="0.0.0.0"), base_url="http://promptlight.example.org")
    assert client.get("/api/health", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


# --- without a token: loopback only ---------------------------------------------------------


def test_loopback_needs_no_token(make_client):
    client = make_client(Settings())
    assert client.get("/api/health").status_code == 200
    for host in ("localhost:5432", "127.0.0.1:5432", "[::1]:5432", "127.0.0.1"):
        assert client.get("/api/health", headers={"Host": host}).status_code == 200, host


def test_without_a_token_other_host_names_are_refused(make_client):
    """A page whose domain re-points at 127.0.0.1 (DNS rebinding) sends its own Host name."""
    client = make_client(Settings())
    for host in ("evil.example:5432", "192.168.1.5:5432", "localhost.evil.example"):
        response = client.get("/api/health", headers={"Host": host})
        assert response.status_code == 403 and _code(response) == "forbidden", host


def test_non_loopback_host_without_token_does_not_start(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("PROMPTLIGHT_TOKEN", raising=False)
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    args = parser.parse_args(["--host", "0.0.0.0", "--models", "tiny", "--db", str(tmp_path / "x.db")])
    assert run_serve(args) == 2
    err = capsys.readouterr().err
    assert "PROMPTLIGHT_TOKEN" in err and "token" in err


# --- cross-origin requests ----------------------------------------------------------------


def test_other_origins_cannot_change_data(make_client):
    client = make_client(Settings())
    for origin in ("http://evil.example", "null", "http://localhost:9999"):
        response = client.post("/api/datapoints", json={"prompt": "x"}, headers={"Origin": origin})
        assert response.status_code == 403 and _code(response) == "forbidden", origin
        response = client.delete("/api/datapoints/u:1", headers={"Origin": origin})
        assert response.status_code == 403, origin
    assert client.get("/api/datasets").json()[0]["user_count"] == 0  # nothing was written
    same = client.post("/api/datapoints", json={"prompt": "x"}, headers={"Origin": "http://localhost"})
    assert same.status_code == 201


def test_allow_origins_trusts_listed_origins(make_client):
    client = make_client(Settings(allow_origins="http://localhost:5173, http://127.0.0.1:5173"))
    ok = client.post("/api/datapoints", json={"prompt": "x"}, headers={"Origin": "http://localhost:5173"})
    assert ok.status_code == 201
    assert (
        client.post("/api/datapoints", json={"prompt": "x"}, headers={"Origin": "http://localhost:5174"}).status_code
        == 403
    )


def test_no_cors_headers_and_no_preflight(make_client):
    client = make_client(Settings())
    response = client.get("/api/health", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/api/datapoints",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_form_style_posts_are_refused(make_client, content_type):
    """What a cross-site HTML form can send without a preflight: never accepted."""
    client = make_client(Settings())
    response = client.post("/api/datapoints", content=b'{"prompt": "x"}', headers={"Content-Type": content_type})
    assert response.status_code == 415 and _code(response) == "unsupported_media_type"


def test_token_is_redacted_from_logs():
    from promptlight.server.serve import RedactToken

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        "",
        0,
        '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", f"/?token={TOKEN}&x=1", "1.1", 303),
        None,
    )
    assert RedactToken().filter(record)
    assert TOKEN not in record.getMessage() and "token=***&x=1" in record.getMessage()


def test_every_answer_has_the_security_headers(make_client):
    client = make_client(Settings())
    for response in (
        client.get("/"),
        client.get("/api/health"),
        client.get("/api/nope"),
        client.get("/api/health", headers={"Host": "evil.example"}),
    ):
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"
        policy = dict(part.strip().split(" ", 1) for part in response.headers["content-security-policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
        assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in response.headers["content-security-policy"]


def test_a_token_in_the_url_path_is_redacted_from_logs_too():
    from promptlight.server.serve import RedactToken

    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
        ("1.2.3.4", "GET", f"/{TOKEN}/api/health", "1.1", 404), None,
    )  # fmt: skip
    assert RedactToken(TOKEN).filter(record)
    assert TOKEN not in record.getMessage() and "/***/api/health" in record.getMessage()
