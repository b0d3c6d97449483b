"""scripts/develop: the development user's password is random per checkout and kept private."""

from __future__ import annotations

import asyncio
import importlib.util
from pathlib import Path
import stat
from types import ModuleType

import pytest


@pytest.fixture(scope="module")
def develop() -> ModuleType:
    spec = importlib.util.spec_from_file_location("develop", Path("scripts/develop.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_password_is_random_and_not_the_old_fixed_one(develop: ModuleType) -> None:
    passwords = {develop.new_password() for _ in range(20)}
    assert len(passwords) == 20
    assert develop.LEGACY_PASSWORD not in passwords
    assert all(len(password) >= 24 for password in passwords)


def test_password_is_saved_for_the_owner_only_and_reused(
    develop: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "config" / ".develop-password"
    assert develop.saved_password(path) is None
    develop.save_password("first-password", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert develop.saved_password(path) == "first-password"
    path.chmod(0o644)
    develop.save_password("second-password", path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert develop.saved_password(path) == "second-password"
    assert [p.name for p in path.parent.iterdir()] == [".develop-password"]


def test_reset_keeps_the_password(
    develop: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(develop, "CONFIG", tmp_path)
    (tmp_path / "configuration.yaml").write_text("homeassistant:\n", encoding="utf-8")
    develop.save_password("kept", tmp_path / ".develop-password")
    (tmp_path / ".storage").mkdir()
    (tmp_path / ".storage" / "auth").write_text("{}", encoding="utf-8")
    develop.prepare_config(18123, reset=True)
    assert develop.saved_password(tmp_path / ".develop-password") == "kept"
    assert not (tmp_path / ".storage" / "auth").exists()
    assert (tmp_path / ".storage" / "http").is_file()


def test_simulator_certificates_are_made_once_and_kept_private(
    develop: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first and the second certificate (the certificate-change scenario's) stay the same."""
    for name in ("SIM_CERT", "SIM_KEY", "SIM_SECOND_CERT", "SIM_SECOND_KEY"):
        monkeypatch.setattr(develop, name, tmp_path / name.lower())
    options = develop.simulator_certificate()
    assert options[::2] == ["--cert", "--key", "--second-cert", "--second-key"]
    files = [Path(path) for path in options[1::2]]
    contents = [path.read_bytes() for path in files]
    assert contents[0] != contents[2]
    assert stat.S_IMODE(files[1].stat().st_mode) == stat.S_IMODE(files[3].stat().st_mode) == 0o600
    assert develop.simulator_certificate() == options
    assert [path.read_bytes() for path in files] == contents


POLL_DEBUG = (
    "2026-12-05 19:30:10.123 DEBUG (MainThread) [custom_components.powerwall_gateway.coordinator] "
    "Finished fetching Backup Gateway data in 0.012 seconds (success: True)\n"
)
POLL_INFO = "2026-12-05 19:30:10.130 INFO (MainThread) [homeassistant.setup] Setting up repairs\n"
WARNING = (
    "2026-12-05 19:30:20.000 WARNING (MainThread) [custom_components.powerwall_gateway] "
    "The gateway is busy\n"
)
ERROR_WITH_TRACEBACK = [
    "2026-12-05 19:30:30.000 ERROR (MainThread) [homeassistant.core] Error doing job\n",
    "Traceback (most recent call last):\n",
    "TypeError: boom\n",
]
COLOURED_DEBUG = "\x1b[36m" + POLL_DEBUG.rstrip("\n") + "\x1b[0m\n"


async def test_terminal_is_quiet_after_the_banner_but_for_warnings_and_errors(
    develop: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before the banner everything shows; after it the polls' DEBUG and INFO lines do not."""
    stream = asyncio.StreamReader()
    console = develop.ConsoleFilter()
    stream.feed_data((POLL_DEBUG + POLL_INFO).encode())
    relay = asyncio.create_task(develop.relay_console(stream, console))
    await asyncio.sleep(0)
    assert capsys.readouterr().out == POLL_DEBUG + POLL_INFO

    console.quiet = True  # the banner is printed
    stream.feed_data(
        "".join(
            [
                POLL_DEBUG,
                COLOURED_DEBUG,
                POLL_INFO,
                "  a continuation of INFO\n",
                WARNING,
                *ERROR_WITH_TRACEBACK,
                POLL_DEBUG * 2,
            ]
        ).encode()
    )
    stream.feed_eof()
    await asyncio.wait_for(relay, 5)
    assert capsys.readouterr().out == WARNING + "".join(ERROR_WITH_TRACEBACK)
