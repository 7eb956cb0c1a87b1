"""The flaky_start test adapter: starts counted across processes in a file,
the first N failing, and every start failing while a flag file exists."""

from __future__ import annotations

import pathlib

import pytest

from snakepit_test_adapters.flaky_start import FlakyStartAdapter


@pytest.fixture()
def env(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
        ) -> pathlib.Path:
    monkeypatch.setenv("SNAKEPIT_TEST_START_LOG", str(tmp_path / "starts"))
    monkeypatch.setenv("SNAKEPIT_TEST_BROKEN_FLAG", str(tmp_path / "broken"))
    return tmp_path


def test_the_first_n_starts_fail_then_it_serves(
        env: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SNAKEPIT_TEST_FAILING_STARTS", "2")
    for number in (1, 2):
        with pytest.raises(RuntimeError,
                           match=f"simulated start failure {number} of 2"):
            FlakyStartAdapter()
    adapter = FlakyStartAdapter()
    assert adapter.start_number() == 3
    assert adapter.ping() == "pong"
    assert (env / "starts").read_text() == "xxx"


def test_every_start_fails_while_the_flag_exists(env: pathlib.Path) -> None:
    (env / "broken").touch()
    with pytest.raises(RuntimeError, match="broken exists"):
        FlakyStartAdapter()
    (env / "broken").unlink()
    assert FlakyStartAdapter().start_number() == 2
