"""The gateway's worker processes come from the chart: one per core of the pod's CPU limit
(1 by default, 2 with the production values), and any count ops set."""

from __future__ import annotations

import pytest
from test_chart import VALUE_SETS, configmap_env, helm, render, template_args


@pytest.mark.parametrize(
    ("files", "sets", "workers"),
    [
        ((), (), "1"),
        (VALUE_SETS["production"], (), "2"),
        (VALUE_SETS["dev"], (), "1"),
        ((), ("services.gateway.workers=4",), "4"),
    ],
)
def test_the_gateway_gets_its_worker_count(files, sets, workers) -> None:
    docs = render(files, sets)
    assert configmap_env(docs, "gateway")["OMNI_GATEWAY_WORKERS"] == workers
    assert "OMNI_CATALOG_WORKERS" not in configmap_env(docs, "catalog")


def test_a_worker_count_below_one_is_refused() -> None:
    proc = helm(*template_args((), ("services.gateway.workers=0",)))
    assert proc.returncode != 0
    assert "workers" in proc.stderr
