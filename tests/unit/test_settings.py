"""The one settings table: flags, environment, /api/settings rows and docs all come from it."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from promptlight.server.settings import (
    SETTINGS,
    Settings,
    add_setting_arguments,
    get_setting,
    is_loopback,
    settings_markdown,
)

pytestmark = pytest.mark.unit

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_setting_arguments(parser)
    return parser


def test_the_limits_have_their_defaults():
    s = Settings()
    assert (s.host, s.port) == ("127.0.0.1", 5432)
    assert s.max_prompt_tokens == 8192 and s.max_new_tokens == 512 and s.max_ig_steps == 256
    assert s.max_body_bytes == 1024 * 1024 and s.token == "" and s.max_call_memory == 0


def test_every_setting_has_a_flag_an_env_var_and_help():
    help_text = _parser().format_help()
    for s in SETTINGS:
        assert s.env == "PROMPTLIGHT_" + s.name.upper()
        assert s.flag in help_text and s.env in help_text, s.name
        assert s.help.endswith(".") and len(s.help) > 15, s.name
        assert isinstance(s.default, s.type), s.name


def test_docs_table_matches_the_settings_table():
    doc = API_DOC.read_text(encoding="utf-8")
    start = doc.index("<!-- settings table: generated -->\n") + len("<!-- settings table: generated -->\n")
    end = doc.index("<!-- /settings table -->")
    assert doc[start:end] == settings_markdown(), "docs/api.md is stale: paste settings_markdown() into it"


def test_flag_beats_env_beats_default():
    env = {"PROMPTLIGHT_PORT": "6000", "PROMPTLIGHT_MAX_NEW_TOKENS": "100"}
    args = _parser().parse_args(["--port", "7000"])
    s = Settings.from_args(args, env)
    assert s.port == 7000 and s.max_new_tokens == 100 and s.max_ig_steps == 256


def test_empty_env_vars_are_ignored():
    assert Settings.from_env({"PROMPTLIGHT_PORT": ""}).port == 5432


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PROMPTLIGHT_PORT": "http"}, "PROMPTLIGHT_PORT must be an integer"),
        ({"PROMPTLIGHT_MODEL_TIMEOUT": "nan"}, "PROMPTLIGHT_MODEL_TIMEOUT must be a number"),
        ({"PROMPTLIGHT_MAX_NEW_TOKENS": "0"}, "PROMPTLIGHT_MAX_NEW_TOKENS must be >= 1"),
        ({"PROMPTLIGHT_MAX_BODY_BYTES": "10"}, ">= 1024"),
    ],
)
def test_bad_env_values_name_the_variable(env, message):
    with pytest.raises(ValueError, match=message):
        Settings.from_env(env)


def test_bad_values_in_code_are_refused():
    with pytest.raises(ValueError, match="Unknown setting 'prot'. Available: host, port"):
        Settings(prot=1)
    with pytest.raises(ValueError, match="must be an integer"):
        Settings(port=True)
    with pytest.raises(ValueError, match="must be an integer"):
        Settings(port=80.5)
    with pytest.raises(AttributeError, match="Available"):
        Settings().nope  # noqa: B018


def test_public_rows_hide_the_token():
    rows = {r["name"]: r for r in Settings(token="hunter2-but-longer").public()}
    assert rows["token"]["value"] == "set" and rows["token"]["default"] == "unset"
    assert "hunter2" not in repr(rows) and "hunter2" not in repr(Settings(token="hunter2-but-longer"))
    assert {r["name"]: r for r in Settings().public()}["token"]["value"] == "unset"
    assert set(rows["port"]) == {"name", "value", "default", "type", "help", "env", "flag"}
    assert rows["port"]["type"] == "integer" and rows["model_timeout"]["type"] == "number"


def test_settings_are_a_read_only_mapping():
    s = Settings(port=1234)
    assert dict(s)["port"] == 1234 and len(s) == len(SETTINGS)
    changed = s.replace(port=99)
    assert changed.port == 99 and s.port == 1234
    assert get_setting("port").flag == "--port"


def test_allow_origins_parsing():
    assert Settings(allow_origins=" http://a:1/ , ,http://b ").origins == ("http://a:1", "http://b")
    assert Settings().origins == ()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "localhost", "LOCALHOST", "::1", "[::1]"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.0.2", "example.com", "localhost.example.com", ""])
def test_non_loopback_hosts(host):
    assert not is_loopback(host)


def test_serve_flags_include_models_and_datasets():
    from promptlight.server import add_serve_arguments

    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    args = parser.parse_args(["--models", "a:tiny", "gemma3-270m", "--datasets", "sample_prompts", "--port", "1"])
    assert args.models == ["a:tiny", "gemma3-270m"] and args.datasets == ["sample_prompts"] and args.port == 1
    defaults = parser.parse_args([])
    assert defaults.models is None and defaults.datasets is None and defaults.host is None


def test_importing_the_cli_side_stays_light():
    import subprocess
    import sys

    code = "import sys, promptlight.server; print(int('fastapi' in sys.modules), int('torch' in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["0", "0"]


def test_manual_mentions_every_flag_it_promises():
    import promptlight.server as server

    manual = server.__doc__ or ""
    for needle in (
        "promptlight serve",
        "--models",
        "--datasets",
        "gemma3-270m",
        "sample_prompts",
        "127.0.0.1",
        "5432",
        "PROMPTLIGHT_TOKEN",
        "--db",
    ):
        assert needle in manual, needle
