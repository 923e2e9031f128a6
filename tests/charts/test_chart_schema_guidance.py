"""The chart's schema accepts what values.yaml documents (a PodDisruptionBudget's minAvailable)
and, for the values it refuses for safety, says what to set instead."""

from __future__ import annotations

import pytest
from test_chart import by_name, helm, render, service_name, template_args


def refusal(*sets: str) -> str:
    proc = helm(*template_args((), sets))
    assert proc.returncode != 0, f"--set {' '.join(sets)} was accepted"
    return proc.stderr


def test_min_available_is_accepted_and_wins_over_the_default_max_unavailable() -> None:
    docs = render(
        sets=("serviceDefaults.pdb.minAvailable=1", "services.order.pdb.minAvailable=50%")
    )
    for name, wanted in (("catalog", 1), ("order", "50%")):
        spec = by_name(docs, "PodDisruptionBudget", service_name(name))["spec"]
        assert spec["minAvailable"] == wanted
        assert "maxUnavailable" not in spec  # a PDB takes one of the two


def test_a_pdb_without_either_says_what_to_set() -> None:
    stderr = refusal("serviceDefaults.pdb.maxUnavailable=null")
    assert "pdb: set maxUnavailable (e.g. 1) or minAvailable" in stderr


@pytest.mark.parametrize("flag", ["-1", "half", "1000%"])
def test_a_wrong_min_available_is_refused_at_its_path(flag: str) -> None:
    assert "/services/order/pdb/minAvailable" in refusal(f"services.order.pdb.minAvailable={flag}")


@pytest.mark.parametrize(
    ("setting", "path"),
    [
        ("image.tag=latest", "/image/tag"),
        ("services.gateway.image.tag=LATEST", "/services/gateway/image/tag"),
        ("dev.nats.image.tag=Latest", "/dev/nats/image/tag"),
    ],
)
def test_latest_is_refused_with_what_to_use_instead(setting: str, path: str) -> None:
    stderr = refusal(setting)
    line = next(line for line in stderr.splitlines() if f"at '{path}'" in line)
    assert "a pinned version such as 1.4.2, not latest" in line
    assert "does not match pattern" not in stderr  # no wall of regular expression


def test_a_tag_that_only_starts_like_latest_is_a_tag() -> None:
    render(sets=("image.tag=latest-2024.1",))


@pytest.mark.parametrize(
    "name", ["SMTP_PASSWORD", "PROVIDER_TOKEN", "SIGNING_SECRET", "PARTNER_API_KEY", "BACKUP_URI"]
)
def test_a_secret_looking_env_name_points_to_secret_env(name: str) -> None:
    stderr = refusal(f"services.notification.env.{name}=x")
    line = next(
        line for line in stderr.splitlines() if f"/services/notification/env/{name}" in line
    )
    assert "set through secretEnv (from an existingSecret), not env" in line


def test_plain_env_names_still_pass() -> None:
    render(
        sets=(
            "services.order.env.SAGA_MAX_ATTEMPTS=8",
            "services.order.env.HEALTH_FAILURE_THRESHOLD=3",
        )
    )
