"""Each setting has its own parser: a typo is an error naming the variable, never a silent default."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatbot.core.settings import SETTINGS, Settings, boolean, duration, items


def test_defaults_parse_to_typed_values() -> None:
    settings = Settings.from_env(environ={})
    assert settings.knowledge_dir == Path("knowledge") and settings.log_dir is None and settings.workers is None
    assert (settings.answer_threshold, settings.reload_seconds, settings.cors_origins) == (0.5, 2.0, ())


def test_environment_values_are_parsed_by_their_setting() -> None:
    settings = Settings.from_env(environ={"CHATBOT_RELOAD_SECONDS": "500ms", "CHATBOT_WORKERS": "3",
                                          "CHATBOT_CORS_ORIGINS": "https://a.example, ,https://b.example"})
    assert (settings.reload_seconds, settings.workers) == (0.5, 3)
    assert settings.cors_origins == ("https://a.example", "https://b.example")


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("ON", True), ("1", True), ("false", False),
                                                 ("No", False), ("0", False), ("", False)])
def test_boolean_reads_false_as_false(value: str, expected: bool) -> None:
    assert boolean(value) is expected


@pytest.mark.parametrize(("value", "seconds"), [("2", 2.0), ("2s", 2.0), ("250ms", 0.25), ("5m", 300.0),
                                                ("1h", 3600.0), ("0.5", 0.5)])
def test_duration(value: str, seconds: float) -> None:
    assert duration(value) == seconds


@pytest.mark.parametrize(("name", "value"), [("THREADS", "two"), ("RELOAD_SECONDS", "soon"),
                                             ("ANSWER_THRESHOLD", "high")])
def test_a_bad_value_names_its_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"CHATBOT_{name}='{value}'"):
        Settings.from_env(environ={f"CHATBOT_{name}": value})


def test_boolean_refuses_a_guess() -> None:
    with pytest.raises(ValueError):
        boolean("maybe")


def test_every_setting_is_a_field_and_its_default_parses() -> None:
    assert [s.name.lower() for s in SETTINGS] == list(Settings.__dataclass_fields__)
    for setting in SETTINGS:
        setting.parse(setting.default)
    assert items("") == ()


def test_unknown_overrides_are_refused() -> None:
    with pytest.raises(TypeError, match="no_such_setting"):
        Settings.from_env(environ={}, no_such_setting=1)
