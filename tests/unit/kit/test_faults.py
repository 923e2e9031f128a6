"""Fault injection: off by default, a real SIGKILL at the n-th time its step is reached, and
refused in production with the setting named."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from pydantic import Field, ValidationError
from pydantic_settings import SettingsConfigDict

from omni_kit import faults
from omni_kit.settings import ServiceSettings, describe_errors


class ShopSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="OMNI_SHOP_", extra="ignore", frozen=True)

    service_name: str = "shop"
    grpc_port: int = Field(default=50099)
    mongo_database: str = "omni_shop"


def test_off_by_default() -> None:
    settings = ShopSettings()
    assert settings.environment == "dev"
    assert settings.fault_exit_at == ""
    faults.configure(settings.fault_exit_at, settings.fault_exit_after)
    for step in faults.STEPS:
        faults.reach(step)  # still alive


def test_production_refuses_fault_injection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_SHOP_ENVIRONMENT", "production")
    monkeypatch.setenv("OMNI_SHOP_FAULT_EXIT_AT", "outbox.before_publish")
    with pytest.raises(ValidationError) as error:
        ShopSettings()
    [line] = describe_errors(ShopSettings, error.value)
    assert line.startswith("invalid setting OMNI_SHOP_FAULT_EXIT_AT: ")
    assert "refused in the production environment" in line


def test_production_without_faults_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_SHOP_ENVIRONMENT", "production")
    assert ShopSettings().environment == "production"


def test_an_unknown_step_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMNI_SHOP_ENVIRONMENT", "test")
    monkeypatch.setenv("OMNI_SHOP_FAULT_EXIT_AT", "order.after_lunch")
    with pytest.raises(ValidationError) as error:
        ShopSettings()
    assert "no such step" in describe_errors(ShopSettings, error.value)[0]


def test_the_process_dies_by_sigkill_the_nth_time_the_step_is_reached() -> None:
    program = (
        "from omni_kit import faults\n"
        "faults.configure('outbox.after_publish', 2)\n"
        "faults.reach('outbox.before_publish')\n"
        "faults.reach('outbox.after_publish')\n"
        "print('first time: alive', flush=True)\n"
        "faults.reach('outbox.after_publish')\n"
        "print('second time: alive', flush=True)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == -signal.SIGKILL
    assert done.stdout == "first time: alive\n"
    assert "killed at outbox.after_publish (reached 2 times)" in done.stderr
