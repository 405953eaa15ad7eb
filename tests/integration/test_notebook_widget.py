"""The notebook widget object on the ``tiny`` model: a real server in a thread, no browser, no kernel."""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("anywidget", reason='the notebook extra is not installed: pip install -e ".[notebook]"')

from promptlight.notebook import NotebookWidget, inline_report, make_notebook_widget

pytestmark = pytest.mark.integration

STATIC = Path(__file__).resolve().parents[2] / "promptlight" / "server" / "static"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


@pytest.fixture(scope="module")
def widget():
    w = make_notebook_widget(["sample_prompts"], ["tiny"])
    yield w
    w.stop()


def call(w: NotebookWidget, method: str, path: str, *, headers: dict[str, str] | None = None, body: bytes | None = None):
    """(status, headers, parsed body) of a raw request to the widget's server."""
    request = urllib.request.Request(f"http://127.0.0.1:{w.port}{path}", data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def bearer(w: NotebookWidget) -> dict[str, str]:
    return {"Authorization": f"Bearer {w._token}"}


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as any server binding it would
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


# --- the object ------------------------------------------------------------------------------


def test_models_and_datasets_are_the_loaded_objects_shared_with_the_server(widget, tiny):
    assert widget.models["tiny"] is tiny  # one load: load_model("tiny") elsewhere gets the same weights
    examples = widget.datasets["sample_prompts"].examples
    assert examples and widget.datasets["sample_prompts"].by_source("fewshot-mistake").prompt
    status, _, body = call(widget, "GET", "/api/models", headers=bearer(widget))
    assert status == 200 and [m["name"] for m in json.loads(body)] == ["tiny"]


def test_url_carries_the_token_and_repr_does_not(widget):
    assert widget.running
    assert widget.api_base == f"http://127.0.0.1:{widget.port}"
    assert widget.url == f"{widget.api_base}/?token={widget._token}"
    assert widget._token not in repr(widget) and "tiny" in repr(widget)
    assert call(widget, "GET", "/api/health")[0] == 401  # no token, no answer
    assert call(widget, "GET", "/api/health", headers=bearer(widget))[0] == 200


def test_the_view_is_an_anywidget_with_the_committed_bundle(widget):
    view = widget.view()
    assert view._esm == (STATIC / "app.js").read_text(encoding="utf-8")
    assert view._css == (STATIC / "app.css").read_text(encoding="utf-8")
    assert (view.api_base, view.token, view.initial) == (widget.api_base, widget._token, {})
    bundle = view._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle
    assert data[WIDGET_VIEW]["model_id"] == view.model_id
    assert "promptlight view" in data["text/html"]  # what a static export shows instead
    assert not re.search(r"(import|from)\s*\(?\s*[\"']https?://", view._esm)  # no CDN: the module imports nothing remote


def test_render_displays_the_view(widget, monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda *objs, **kw: shown.extend(objs))
    assert widget.render() is None
    assert len(shown) == 1 and type(shown[0]).__name__ == "PromptlightView"


# --- datapoints ------------------------------------------------------------------------------


def test_render_data_adds_datapoints_once_and_selects_them(widget):
    first = widget.view(data=[{"prompt": "Dedup me", "target": " please"}]).initial
    again = widget.view(data=[{"prompt": "Dedup me", "target": " please"}]).initial
    assert first == again and first["example"].startswith("u:")
    other = widget.view(data=[{"prompt": "Dedup me", "target": " differently"}]).initial
    assert other["example"] != first["example"]

    pair = widget.view(data=[{"prompt": "Dedup me", "target": " please"}, "A second prompt"]).initial
    assert pair["example"] == first["example"] and pair["compare"].startswith("u:")
    status, _, body = call(widget, "GET", "/api/examples?dataset=notebook", headers=bearer(widget))
    rows = json.loads(body)
    assert status == 200 and len(rows) == 3  # not one per render
    assert {r["prompt"] for r in rows} == {"Dedup me", "A second prompt"}


def test_rows_may_be_examples_strings_or_dicts_with_fields(widget):
    from promptlight import Example

    ids = widget.add_datapoints([Example(prompt="From an Example", source="ex"), {"prompt": "With fields", "lang": "en"}])
    again = widget.add_datapoints([Example(prompt="From an Example", source="ex"), {"prompt": "With fields", "lang": "en"}])
    assert ids == again
    status, _, body = call(widget, "GET", f"/api/datapoints/{ids[1]}", headers=bearer(widget))
    assert status == 200 and json.loads(body)["fields"] == {"lang": "en"}


def test_initial_view_keys_pass_through_and_explicit_ids_win(widget):
    initial = {"example": "sample_prompts:0", "method": "occlusion", "granularity": "lines", "span": [0, 3], "run": True}
    view = widget.view(data=[{"prompt": "Not selected", "target": " here"}], initial=initial)
    assert view.initial == initial  # the data was added, the explicit example kept


def test_a_row_without_target_is_explained_on_the_model_output(widget):
    assert widget.view(data=["No target yet"]).initial["source"] == "output"
    assert widget.view(data=["No target yet"], initial={"source": "target"}).initial["source"] == "target"
    assert "source" not in widget.view(data=[{"prompt": "p", "target": " t"}]).initial


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"data": [{"target": "x"}]}, ValueError, "data[0] needs a non-empty 'prompt'"),
        ({"data": "just a string"}, TypeError, "data must be a list of rows"),
        ({"data": [42]}, TypeError, "data[0] must be a dict"),
        ({"initial": {"colour": "red"}}, ValueError, "Unknown key(s) in initial: colour"),
        ({"initial": {"data": []}}, ValueError, "Pass rows as render(data=[...])"),
    ],
)
def test_bad_render_arguments_say_what_is_wrong(widget, kwargs, error, message):
    with pytest.raises(error) as info:
        widget.view(**kwargs)
    assert message in str(info.value)


def test_new_tab_opens_the_url_with_the_view_and_always_shows_a_link(widget, monkeypatch):
    shown, opened = [], []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    monkeypatch.setattr("webbrowser.open", lambda url, new=0: opened.append(url) or True)
    monkeypatch.setenv("DISPLAY", ":0")
    widget.render(data=[{"prompt": "Tab me"}], open_in_new_tab=True, initial={"method": "grad_l2"})
    assert len(opened) == 1 and opened[0].startswith(widget.url + "#")
    assert "ex=u%3A" in opened[0] and "method=grad_l2" in opened[0]
    assert opened[0] in shown[0]["text/plain"] and 'target="_blank"' in shown[0]["text/html"]

    # A headless Linux machine: no browser is tried (it could only be a console one), the link still shows.
    shown.clear(), opened.clear()
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    widget.render(open_in_new_tab=True)
    assert opened == [] and "Open the app:" in shown[0]["text/plain"] and widget.url in shown[0]["text/plain"]


def test_inline_report_frames_the_self_contained_report(widget, tiny):
    import promptlight

    result = promptlight.explain(tiny, "The cat sat on the", target=" mat", method="grad_l2")
    html = inline_report(result, granularity="words", title="A <b>test</b>").data
    assert html.startswith('<div class="promptlight-report"><iframe srcdoc="')
    assert "&lt;!doctype html&gt;" in html and "<script" not in html
    assert "A &amp;lt;b&amp;gt;test" in html  # escaped by the report, then again for the attribute


# --- cross-origin access -------------------------------------------------------------------------

NOTEBOOK_ORIGIN = "http://localhost:8888"
JSON_BODY = {"Content-Type": "application/json"}


def test_preflight_from_the_notebook_page_is_answered_for_its_origin_only(widget):
    status, headers, _ = call(
        widget,
        "OPTIONS",
        "/api/salience",
        headers={"Origin": NOTEBOOK_ORIGIN, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type,x-promptlight-call"},
    )  # fmt: skip
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == NOTEBOOK_ORIGIN
    # The widget names its model calls (progress, cancel): that header must be allowed too.
    allowed = {h.strip().lower() for h in headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "x-promptlight-call"} <= allowed
    assert "Access-Control-Allow-Credentials" not in headers and headers["Vary"] == "Origin"


def test_cross_origin_requests_are_served_only_with_the_bearer_token(widget):
    body = json.dumps({"prompt": "cross-origin"}).encode()
    status, headers, _ = call(
        widget, "POST", "/api/datapoints", headers={"Origin": NOTEBOOK_ORIGIN, **JSON_BODY, **bearer(widget)}, body=body
    )
    assert status == 201 and headers["Access-Control-Allow-Origin"] == NOTEBOOK_ORIGIN
    assert "Retry-After" in headers["Access-Control-Expose-Headers"]
    assert "X-Promptlight-Call" in headers["Access-Control-Expose-Headers"]

    status, headers, _ = call(widget, "POST", "/api/datapoints", headers={"Origin": NOTEBOOK_ORIGIN, **JSON_BODY}, body=body)
    assert status == 401 and "Access-Control-Allow-Origin" not in headers
    status, headers, _ = call(widget, "GET", "/api/health", headers={"Origin": "http://evil.example"})
    assert status == 401 and "Access-Control-Allow-Origin" not in headers


def test_the_cookie_never_counts_across_origins(widget):
    from promptlight.server.guard import cookie_name, cookie_value

    cookie = {"Cookie": f"{cookie_name(widget.port)}={cookie_value(widget._token)}"}
    assert call(widget, "GET", "/api/health", headers=cookie)[0] == 200  # same origin: the new tab's cookie works
    status, headers, _ = call(
        widget, "POST", "/api/datapoints", headers={"Origin": NOTEBOOK_ORIGIN, **JSON_BODY, **cookie}, body=b'{"prompt": "x"}'
    )
    assert status == 403 and "Access-Control-Allow-Origin" not in headers


def test_token_cors_needs_a_token():
    from promptlight.server import Settings, create_app

    with pytest.raises(ValueError, match="token_cors=True needs an access token"):
        create_app(models={"tiny": "tiny"}, datasets={}, settings=Settings(), token_cors=True)


def test_without_token_cors_the_server_keeps_refusing_other_origins(tmp_path):
    from fastapi.testclient import TestClient

    from promptlight.server import Settings, create_app

    app = create_app(models={"tiny": "tiny"}, datasets={}, db_path=tmp_path / "db", settings=Settings(token="t" * 32))
    with TestClient(app, base_url="http://localhost") as client:
        headers = {"Origin": NOTEBOOK_ORIGIN, "Access-Control-Request-Method": "POST"}
        preflight = client.options("/api/datapoints", headers=headers)
        assert preflight.status_code == 401 and "access-control-allow-origin" not in preflight.headers
        response = client.post(
            "/api/datapoints", json={"prompt": "x"}, headers={"Origin": NOTEBOOK_ORIGIN, "Authorization": "Bearer " + "t" * 32}
        )
        assert response.status_code == 403 and "access-control-allow-origin" not in response.headers


# --- lifecycle -----------------------------------------------------------------------------------


def test_stop_frees_the_port_deletes_the_temporary_database_and_is_idempotent(tiny):
    w = make_notebook_widget([], ["tiny"])
    port, tmpdir = w.port, Path(w._tmpdir)
    assert not port_is_free(port) and (tmpdir / "promptlight.db").exists()
    w.stop()
    assert port_is_free(port) and not tmpdir.exists() and not w.running
    w.stop()  # a second stop is harmless
    with pytest.raises(RuntimeError, match="This widget was stopped"):
        w.render()


def test_a_given_port_and_a_kept_database(tmp_path, tiny):
    db = tmp_path / "kept.db"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with make_notebook_widget([], {"mine": tiny}, port=port, db_path=db) as w:
        assert w.port == port and w.models["mine"] is tiny
        ids = w.add_datapoints(["kept"])
        with pytest.raises(OSError, match=f"Cannot listen on 127.0.0.1:{port}"):
            make_notebook_widget([], {"mine": tiny}, port=port)
    assert port_is_free(port) and db.exists()
    with make_notebook_widget([], {"mine": tiny}, db_path=db) as again:
        assert again.add_datapoints(["kept"]) == ids  # same file: the datapoint is found, not added twice


# --- configs -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("datasets", "models", "error", "message"),
    [
        (["sample_prompts"], [], ValueError, "models_config is empty"),
        (["tiny"], ["sample_prompts"], ValueError, "datasets come first"),
        (None, ["tiny"], TypeError, "datasets_config must be a list of NAME:PATH strings"),
        (["sample_prompts"], [3], TypeError, "models_config[0] must be a NAME:PATH string"),
        (["a:sample_prompts", "a:sample_prompts"], ["tiny"], ValueError, "two datasets are named 'a'"),
        (["sample_prompts"], [":tiny"], ValueError, "models_config[0]: Spec ':tiny' has an empty NAME"),
        (["mine:/no/such/prompts.jsonl"], ["tiny"], ValueError, "datasets_config entry 'mine:/no/such/prompts.jsonl'"),
        (["sample_prompts"], ["no-such-model"], ValueError, "models_config entry 'no-such-model:no-such-model'"),
    ],
)
def test_bad_configs_fail_at_once_with_a_clear_message(datasets, models, error, message):
    with pytest.raises(error) as info:
        make_notebook_widget(datasets, models)
    assert message in str(info.value)


def test_an_unknown_model_lists_the_presets():
    with pytest.raises(ValueError) as info:
        make_notebook_widget([], ["no-such-model"])
    assert "gemma3-270m" in str(info.value) and "tiny" in str(info.value)


def test_a_single_string_is_a_one_item_list(tiny):
    with make_notebook_widget("sample_prompts", "tiny") as w:
        assert list(w.datasets) == ["sample_prompts"] and w.models["tiny"] is tiny
