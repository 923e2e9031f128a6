"""The umbrella chart (charts/omni): lint, render, validate, and the chart's own rules.

Every value set is rendered with `helm template` and every manifest is checked
against the Kubernetes OpenAPI schemas with kubernetes-validate in strict mode.
The Prometheus Operator objects (ServiceMonitor, PrometheusRule) are custom
resources kubernetes-validate has no schema for: they are checked structurally
here instead, and the test fails on any other kind it cannot validate.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate.utils import SchemaNotFoundError
from kubernetes_validate.utils import ValidationError as K8sValidationError

from omni_kit import metrics

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "omni"
RELEASE = "shop"
NAMESPACE = "commerce"
FULLNAME = f"{RELEASE}-omni"
# The chart's kubeVersion floor and a current release, both bundled with kubernetes-validate.
K8S_VERSIONS = ("1.27", "1.35")

SERVICES = ("catalog", "inventory", "order", "customer", "notification", "gateway")
GRPC_SERVICES = tuple(s for s in SERVICES if s != "gateway")


def _calls_in_code() -> dict[str, set[str]]:
    """Who calls whom over gRPC, read from each service's settings (an `<callee>_addr` field per
    service it calls): the NetworkPolicies must encode exactly what the code does."""
    import importlib

    calls = {}
    for name in SERVICES:
        settings = getattr(
            importlib.import_module(f"omni_{name}.settings"), f"{name.capitalize()}Settings"
        )
        calls[name] = {
            field.removesuffix("_addr")
            for field in settings.model_fields
            if field.endswith("_addr") and field.removesuffix("_addr") in GRPC_SERVICES
        }
    return calls


CALLS = _calls_in_code()


def _store_node_calls() -> set[str]:
    """The centre's services the store node calls (its `<callee>_addr` settings)."""
    from omni_store_node.settings import StoreNodeSettings

    return {f.removesuffix("_addr") for f in StoreNodeSettings.model_fields if f.endswith("_addr")}


STORE_NODE_CALLS = _store_node_calls()
CRD_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}
RECOMMENDED_LABELS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
}
SELECTOR_KEYS = {
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
}

VALUE_SETS: dict[str, tuple[str, ...]] = {
    "default": (),
    "dev": (str(CHART / "values-dev.yaml"),),
    "production": (str(CHART / "values-production.yaml"),),
    "all-features": (
        str(CHART / "values-production.yaml"),
        str(Path(__file__).with_name("values-all-features.yaml")),
    ),
}


# --------------------------------------------------------------------------- helpers


def helm_bin() -> str:
    local = REPO / ".tools" / "bin" / "helm"
    if local.is_file():
        return str(local)
    found = shutil.which("helm")
    if not found:
        pytest.fail("helm not found in .tools/bin or on PATH: run `make setup`")
    return found


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [helm_bin(), *args], capture_output=True, text=True, timeout=60, check=False
    )


def template_args(files: tuple[str, ...], sets: tuple[str, ...]) -> list[str]:
    args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    for f in files:
        args += ["-f", f]
    for s in sets:
        # --set keeps 0.25 a string; "json:" entries go through --set-json
        args += ["--set-json", s[5:]] if s.startswith("json:") else ["--set", s]
    return args


@functools.cache
def render(files: tuple[str, ...] = (), sets: tuple[str, ...] = ()) -> tuple[dict[str, Any], ...]:
    proc = helm(*template_args(files, sets))
    assert proc.returncode == 0, f"helm template failed:\n{proc.stderr}"
    docs = tuple(d for d in yaml.safe_load_all(proc.stdout) if d)
    assert docs, "helm template rendered nothing"
    return docs


def render_set(name: str) -> tuple[dict[str, Any], ...]:
    return render(VALUE_SETS[name])


def of_kind(docs: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def by_name(docs: tuple[dict[str, Any], ...], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in of_kind(docs, kind) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def workloads(docs: tuple[dict[str, Any], ...]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(object, pod spec) for everything that runs containers."""
    for d in docs:
        if d["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield d, d["spec"]["template"]["spec"]


def containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return pod.get("initContainers", []) + pod["containers"]


def component(d: dict[str, Any]) -> str:
    return d["metadata"]["labels"]["app.kubernetes.io/component"]


def selector(d: dict[str, Any]) -> dict[str, str]:
    return d["spec"]["selector"]["matchLabels"]


def service_name(svc: str) -> str:
    return f"{FULLNAME}-{svc}"


def configmap_env(docs: tuple[dict[str, Any], ...], svc: str) -> dict[str, str]:
    return by_name(docs, "ConfigMap", service_name(svc))["data"]


def container_env(docs: tuple[dict[str, Any], ...], svc: str) -> dict[str, dict[str, Any]]:
    dep = by_name(docs, "Deployment", service_name(svc))
    return {e["name"]: e for e in dep["spec"]["template"]["spec"]["containers"][0]["env"]}


def peers_selecting(rule: dict[str, Any], key: str) -> set[str]:
    """Components named by podSelector peers of one NetworkPolicy rule."""
    return {
        p["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
        for p in rule.get(key, [])
        if "podSelector" in p and "namespaceSelector" not in p
    }


def rule_ports(rule: dict[str, Any]) -> set[int]:
    return {p["port"] for p in rule.get("ports", [])}


# --------------------------------------------------------------------------- lint and render


@pytest.mark.parametrize("values", ["values.yaml", "values-dev.yaml", "values-production.yaml"])
def test_helm_lint_is_clean(values: str) -> None:
    proc = helm("lint", "--strict", str(CHART), "-f", str(CHART / values))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_manifest_is_valid_kubernetes(value_set: str) -> None:
    docs = render_set(value_set)
    errors = []
    for doc in docs:
        key = (doc["apiVersion"], doc["kind"])
        if key in CRD_KINDS:
            continue  # no schema offline; see test_custom_resources_are_well_formed
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except K8sValidationError as e:
                path = ".".join(str(p) for p in e.path)
                errors.append(
                    f"{doc['kind']}/{doc['metadata']['name']} (k8s {version}): {path}: {e.message}"
                )
            except SchemaNotFoundError as e:
                errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {e.message}")
    assert not errors, "\n".join(errors)


def test_the_validator_rejects_an_unknown_field() -> None:
    """Guard against a vacuous validation: strict mode must catch a typo in a probe."""
    deployment = json.loads(json.dumps(of_kind(render_set("default"), "Deployment")[0]))
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["periodSecond"] = 5
    with pytest.raises(K8sValidationError, match="periodSecond"):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)


def test_value_sets_render_what_they_promise() -> None:
    kinds = {name: {d["kind"] for d in render_set(name)} for name in VALUE_SETS}
    base = {
        "Deployment",
        "Service",
        "ServiceAccount",
        "ConfigMap",
        "PodDisruptionBudget",
        "NetworkPolicy",
    }
    assert base <= kinds["default"]
    # default: external NATS and MongoDB, nothing stateful, no Secret created, no CRDs needed
    assert not kinds["default"] & {
        "StatefulSet",
        "Secret",
        "HorizontalPodAutoscaler",
        "ServiceMonitor",
        "PrometheusRule",
        "Ingress",
        "Job",
    }
    assert {"StatefulSet", "Secret"} <= kinds["dev"]
    assert {"HorizontalPodAutoscaler", "ServiceMonitor", "PrometheusRule"} <= kinds["production"]
    assert "Secret" not in kinds["production"]
    assert {"Ingress", "Job"} <= kinds["all-features"]
    for name in VALUE_SETS:
        deployments = {component(d) for d in of_kind(render_set(name), "Deployment")}
        assert deployments == set(SERVICES), name


# --------------------------------------------------------------------------- rules for every workload


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_container_has_requests_and_limits(value_set: str) -> None:
    for obj, pod in workloads(render_set(value_set)):
        for c in containers(pod):
            res = c.get("resources", {})
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(res.get(kind, {})), (
                    f"{obj['kind']}/{obj['metadata']['name']} container {c['name']}: no {kind}"
                )


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_long_running_container_has_probes(value_set: str) -> None:
    for obj, pod in workloads(render_set(value_set)):
        if obj["kind"] == "Job":
            continue
        for c in pod["containers"]:
            for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
                assert probe in c, f"{obj['metadata']['name']}/{c['name']}: no {probe}"


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_probes_hit_the_real_health_endpoints(value_set: str) -> None:
    docs = render_set(value_set)
    for svc in GRPC_SERVICES:
        c = by_name(docs, "Deployment", service_name(svc))["spec"]["template"]["spec"][
            "containers"
        ][0]
        # Readiness follows the service's store and NATS (the overall health); startup and
        # liveness ask only whether the process runs, so a lost store never restarts a pod.
        assert c["readinessProbe"]["grpc"] == {"port": 50051}, svc
        for probe in ("startupProbe", "livenessProbe"):
            assert c[probe]["grpc"] == {"port": 50051, "service": "liveness"}, f"{svc} {probe}"
    gw = by_name(docs, "Deployment", service_name("gateway"))["spec"]["template"]["spec"][
        "containers"
    ][0]
    assert gw["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert gw["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert gw["startupProbe"]["httpGet"]["path"] == "/healthz"


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_pod_runs_locked_down(value_set: str) -> None:
    for obj, pod in workloads(render_set(value_set)):
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        psc = pod["securityContext"]
        assert psc["runAsNonRoot"] is True, where
        assert psc["runAsUser"] == 10001, where
        assert psc["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert pod["automountServiceAccountToken"] is False, where
        for c in containers(pod):
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] is True, where
            assert sc["runAsUser"] == 10001, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert sc["seccompProfile"] == {"type": "RuntimeDefault"}, where
            assert sc.get("privileged", False) is False, where
            # read-only root: /tmp is the one writable place, an emptyDir
            tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert tmp, f"{where}/{c['name']}: no /tmp mount"
            vol = next(v for v in pod["volumes"] if v["name"] == tmp[0]["name"])
            assert "emptyDir" in vol, where


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_images_are_pinned(value_set: str) -> None:
    for obj, pod in workloads(render_set(value_set)):
        for c in containers(pod):
            image = c["image"]
            name, _, _digest = image.partition("@")
            _repo, sep, tag = name.rpartition(":")
            assert sep and "/" not in tag, f"{obj['metadata']['name']}: {image} has no tag"
            assert tag.lower() != "latest", f"{obj['metadata']['name']}: {image} uses latest"


def test_default_images_follow_the_convention() -> None:
    docs = render_set("default")
    for svc in SERVICES:
        c = by_name(docs, "Deployment", service_name(svc))["spec"]["template"]["spec"][
            "containers"
        ][0]
        assert c["image"] == f"ghcr.io/omni-commerce/omni-{svc}:0.1.0"
    dev = render_set("dev")
    images = {c["image"] for _, pod in workloads(dev) for c in pod["containers"]}
    assert {"nats:2.11-alpine", "mongo:8.0"} <= images


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_workload_has_a_matching_pdb_and_networkpolicy(value_set: str) -> None:
    docs = render_set(value_set)
    pdbs = [selector(p) for p in of_kind(docs, "PodDisruptionBudget")]
    netpols = [n["spec"] for n in of_kind(docs, "NetworkPolicy")]
    for d in of_kind(docs, "Deployment") + of_kind(docs, "StatefulSet"):
        sel = selector(d)
        where = f"{d['kind']}/{d['metadata']['name']}"
        assert set(sel) == SELECTOR_KEYS, f"{where}: selector {sel} is not name+instance+component"
        assert sel in pdbs, f"{where}: no PodDisruptionBudget"
        own = [n for n in netpols if n["podSelector"].get("matchLabels") == sel]
        assert own, f"{where}: no NetworkPolicy of its own"
        assert set(own[0]["policyTypes"]) == {"Ingress", "Egress"}, where


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_every_object_carries_the_recommended_labels(value_set: str) -> None:
    for d in render_set(value_set):
        labels = d["metadata"].get("labels", {})
        missing = RECOMMENDED_LABELS - set(labels)
        assert not missing, f"{d['kind']}/{d['metadata']['name']} lacks {sorted(missing)}"
        assert labels["app.kubernetes.io/part-of"] == "omni"
        assert labels["app.kubernetes.io/instance"] == RELEASE
    for d in of_kind(render_set(value_set), "Deployment"):
        pod_labels = d["spec"]["template"]["metadata"]["labels"]
        assert selector(d).items() <= pod_labels.items()


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_no_secret_in_a_configmap(value_set: str) -> None:
    secretish_key = re.compile(r"PASSWORD|SECRET|TOKEN|PRIVATE|API_?KEY|CREDENTIAL|_URI$", re.I)
    credentials_in_url = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@\"]+:[^@\s\"]+@", re.I)
    for cm in of_kind(render_set(value_set), "ConfigMap"):
        for key, value in cm.get("data", {}).items():
            where = f"ConfigMap/{cm['metadata']['name']} key {key}"
            assert not secretish_key.search(key), f"{where}: looks like a secret"
            assert not credentials_in_url.search(value), f"{where}: a URL with credentials"
            assert "BEGIN PRIVATE KEY" not in value, where


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_secrets_come_only_from_secret_references(value_set: str) -> None:
    docs = render_set(value_set)
    for svc in SERVICES:
        env = container_env(docs, svc)
        prefix = f"OMNI_{svc.upper()}_"
        mongo = env[f"{prefix}MONGO_URI"]
        assert "value" not in mongo and mongo["valueFrom"]["secretKeyRef"]["key"]
        for name, e in env.items():
            if re.search(r"PASSWORD|SECRET|TOKEN|_URI$", name):
                assert "secretKeyRef" in e.get("valueFrom", {}), (
                    f"{svc}: {name} is not from a Secret"
                )
    assert "secretKeyRef" in container_env(docs, "gateway")["OMNI_GATEWAY_JWT_SECRET"]["valueFrom"]
    # the chart creates a Secret only in dev mode, and then holds every key the pods reference
    secrets = of_kind(docs, "Secret")
    if value_set != "dev":
        assert not secrets
        return
    [dev_secret] = secrets
    for svc in SERVICES:
        for e in container_env(docs, svc).values():
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                assert ref["name"] == dev_secret["metadata"]["name"]
                assert ref["key"] in dev_secret["data"], f"{svc}: dev Secret lacks {ref['key']}"


# --------------------------------------------------------------------------- wiring


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_settings_follow_the_service_conventions(value_set: str) -> None:
    docs = render_set(value_set)
    for svc in SERVICES:
        cfg = configmap_env(docs, svc)
        p = f"OMNI_{svc.upper()}_"
        assert cfg[f"{p}MONGO_DATABASE"] == f"omni_{svc}"
        assert cfg[f"{p}METRICS_PORT"] == "9464"
        assert cfg[f"{p}LOG_LEVEL"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
        # Production refuses test-only parts (fault injection): only the dev values say dev.
        assert cfg[f"{p}ENVIRONMENT"] == ("dev" if value_set == "dev" else "production")
        assert f"{p}SERVICE_NAME" not in cfg  # the service name is the code's own: labels, errors
        nats = cfg.get(f"{p}NATS_URL") or container_env(docs, svc)[f"{p}NATS_URL"]
        assert nats
        if svc == "gateway":
            assert cfg["OMNI_GATEWAY_HTTP_PORT"] == "8080"
            # CORS only for listed origins; HSTS unless the ingress sets it (all-features)
            cors = "https://shop.omni.example.com,http://localhost:5173"
            if value_set == "all-features":
                assert cfg["OMNI_GATEWAY_CORS_ALLOWED_ORIGINS"] == cors
                assert cfg["OMNI_GATEWAY_HSTS_MAX_AGE_SECONDS"] == "0"
            else:
                assert "OMNI_GATEWAY_CORS_ALLOWED_ORIGINS" not in cfg
                assert cfg["OMNI_GATEWAY_HSTS_MAX_AGE_SECONDS"] == "31536000"
        else:
            assert cfg[f"{p}GRPC_PORT"] == "50051"
        # the pod reads the ConfigMap and rolls when it changes
        dep = by_name(docs, "Deployment", service_name(svc))
        assert dep["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [
            {"configMapRef": {"name": service_name(svc)}}
        ]
        assert dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"]


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_callers_find_their_callees(value_set: str) -> None:
    docs = render_set(value_set)
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    for caller, callees in CALLS.items():
        cfg = configmap_env(docs, caller)
        addrs = {k for k in cfg if k.endswith("_ADDR")}
        assert addrs == {f"OMNI_{caller.upper()}_{c.upper()}_ADDR" for c in callees}
        for callee in callees:
            # dns:/// over a headless Service: every ready pod's address, balanced round robin
            target = cfg[f"OMNI_{caller.upper()}_{callee.upper()}_ADDR"]
            host, port = target.removeprefix("dns:///").split(":")
            assert target.startswith("dns:///") and port == "50051"
            assert host == f"{service_name(callee)}-headless"
            svc = services[host]
            assert svc["spec"]["clusterIP"] == "None"
            # only gRPC: a ServiceMonitor that selects it too finds no metrics port to scrape twice
            assert svc["spec"]["ports"] == [
                {"name": "grpc", "port": 50051, "targetPort": "grpc", "protocol": "TCP"}
            ]
            deployment = by_name(docs, "Deployment", service_name(callee))
            assert svc["spec"]["selector"] == selector(deployment)


@pytest.mark.parametrize("value_set", list(VALUE_SETS))
def test_network_policies_allow_only_the_needed_paths(value_set: str) -> None:
    docs = render_set(value_set)
    netpols = {n["metadata"]["name"]: n["spec"] for n in of_kind(docs, "NetworkPolicy")}
    deny = netpols[f"{FULLNAME}-default-deny"]
    assert deny["podSelector"]["matchLabels"] == {
        "app.kubernetes.io/name": "omni",
        "app.kubernetes.io/instance": RELEASE,
    }
    assert set(deny["policyTypes"]) == {"Ingress", "Egress"}
    assert "ingress" not in deny and "egress" not in deny

    for svc in SERVICES:
        spec = netpols[service_name(svc)]
        expected_callers = {c for c, callees in CALLS.items() if svc in callees}
        if of_kind(docs, "StatefulSet") and svc in STORE_NODE_CALLS:
            # the store node (storeNode.enabled) reaches this release's order and catalog
            expected_callers |= {
                component(d) for d in of_kind(docs, "StatefulSet") if component(d) == "store-node"
            }
        grpc_in = [r for r in spec["ingress"] if rule_ports(r) == {50051}]
        callers = set().union(*(peers_selecting(r, "from") for r in grpc_in)) if grpc_in else set()
        assert callers == expected_callers, f"{svc}: gRPC ingress from {callers}"
        assert all(r.get("from") for r in grpc_in), f"{svc}: gRPC open to everyone"
        metrics_in = [r for r in spec["ingress"] if rule_ports(r) == {9464}]
        assert metrics_in, f"{svc}: Prometheus cannot scrape"
        http_in = [r for r in spec["ingress"] if 8080 in rule_ports(r)]
        assert bool(http_in) == (svc == "gateway"), (
            f"{svc}: only the gateway takes HTTP from outside"
        )
        if value_set == "default":
            assert all("from" in r for r in spec["ingress"] if r not in http_in), svc

        grpc_out = [r for r in spec["egress"] if rule_ports(r) == {50051}]
        callees = set().union(*(peers_selecting(r, "to") for r in grpc_out)) if grpc_out else set()
        assert callees == CALLS[svc], f"{svc}: gRPC egress to {callees}"
        out_ports = set().union(*(rule_ports(r) for r in spec["egress"]))
        assert {53, 4222, 27017, 4317} <= out_ports, svc
        dns = next(r for r in spec["egress"] if 53 in rule_ports(r))
        assert {p["protocol"] for p in dns["ports"]} == {"UDP", "TCP"}


def test_gateway_ingress_can_be_narrowed_and_the_ingress_object_routes_to_it() -> None:
    docs = render_set("all-features")
    spec = by_name(docs, "NetworkPolicy", service_name("gateway"))["spec"]
    http_in = next(r for r in spec["ingress"] if 8080 in rule_ports(r))
    assert http_in["from"] == [
        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}
    ]
    [ing] = of_kind(docs, "Ingress")
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": service_name("gateway"), "port": {"name": "http"}}
    assert ing["spec"]["tls"][0]["secretName"] == "omni-api-tls"


def test_dev_mode_points_every_service_at_the_in_cluster_stores() -> None:
    docs = render_set("dev")
    nats = by_name(docs, "StatefulSet", f"{FULLNAME}-nats")
    mongo = by_name(docs, "StatefulSet", f"{FULLNAME}-mongodb")
    assert nats["spec"]["replicas"] == 1 and mongo["spec"]["replicas"] == 1
    conf = by_name(docs, "ConfigMap", f"{FULLNAME}-nats")["data"]["nats.conf"]
    assert re.search(r"jetstream \{[^}]*store_dir: /data/jetstream", conf), conf
    args = mongo["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--replSet=rs0" in args
    for svc in SERVICES:
        cfg = configmap_env(docs, svc)
        assert cfg[f"OMNI_{svc.upper()}_NATS_URL"] == f"nats://{FULLNAME}-nats:4222"
    [secret] = of_kind(docs, "Secret")
    uri = base64.b64decode(secret["data"]["order-mongodb-uri"]).decode()
    assert uri.startswith(f"mongodb://{FULLNAME}-mongodb-0.{FULLNAME}-mongodb:27017/")
    assert "replicaSet=rs0" in uri


def test_dev_nats_fsyncs_every_write_by_default() -> None:
    docs = render_set("dev")
    conf = by_name(docs, "ConfigMap", f"{FULLNAME}-nats")["data"]["nats.conf"]
    assert re.search(r"jetstream \{[^}]*\n\s*sync_interval: always\n", conf), conf
    nats = by_name(docs, "StatefulSet", f"{FULLNAME}-nats")
    assert nats["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "nats-server",
        "--config",
        "/etc/nats/nats.conf",
    ]


def test_streams_get_their_replicas_and_retention_from_the_values() -> None:
    for value_set, replicas in (("dev", "1"), ("production", "3")):
        docs = render_set(value_set)
        for svc in SERVICES:
            cfg = configmap_env(docs, svc)
            prefix = f"OMNI_{svc.upper()}_"
            assert cfg[prefix + "STREAM_REPLICAS"] == replicas, (value_set, svc)
            assert cfg[prefix + "STREAM_STORAGE"] == "file"
            assert cfg[prefix + "DEAD_LETTER_RETENTION_DAYS"] == "30"
    docs = render(VALUE_SETS["dev"], ("nats.streams.deadLetterRetentionDays=90",))
    assert configmap_env(docs, "order")["OMNI_ORDER_DEAD_LETTER_RETENTION_DAYS"] == "90"
    # The provisioning Job creates the streams with the same values.
    docs = render(VALUE_SETS["production"], ("natsInit.enabled=true",))
    [job] = of_kind(docs, "Job")
    env = {e["name"]: e.get("value") for e in containers(job["spec"]["template"]["spec"])[0]["env"]}
    assert env["OMNI_STREAM_REPLICAS"] == "3"
    assert env["OMNI_DEAD_LETTER_RETENTION_DAYS"] == "30"


def test_production_spreads_and_scales_every_service() -> None:
    docs = render_set("production")
    hpas = {
        h["spec"]["scaleTargetRef"]["name"]: h["spec"]
        for h in of_kind(docs, "HorizontalPodAutoscaler")
    }
    for svc in SERVICES:
        dep = by_name(docs, "Deployment", service_name(svc))
        pod = dep["spec"]["template"]["spec"]
        assert "replicas" not in dep["spec"], f"{svc}: replicas fight the HPA"
        assert hpas[service_name(svc)]["minReplicas"] >= 2
        assert pod["affinity"]["podAntiAffinity"], svc
        keys = {t["topologyKey"] for t in pod["topologySpreadConstraints"]}
        assert {"topology.kubernetes.io/zone", "kubernetes.io/hostname"} <= keys
        for t in pod["topologySpreadConstraints"]:
            assert t["labelSelector"]["matchLabels"] == selector(dep)
        pdb = by_name(docs, "PodDisruptionBudget", service_name(svc))
        assert pdb["spec"]["maxUnavailable"] == 1


def test_a_config_change_rolls_the_pods_and_nothing_else() -> None:
    before = render_set("default")
    after = render((), ("services.order.logLevel=DEBUG",))

    def checksum(docs: tuple[dict[str, Any], ...], svc: str) -> str:
        dep = by_name(docs, "Deployment", service_name(svc))
        return dep["spec"]["template"]["metadata"]["annotations"]["checksum/config"]

    assert checksum(before, "order") != checksum(after, "order")
    assert checksum(before, "catalog") == checksum(after, "catalog")
    assert configmap_env(after, "order")["OMNI_ORDER_LOG_LEVEL"] == "DEBUG"


def test_nats_init_hook_is_optional() -> None:
    assert not of_kind(render_set("production"), "Job")
    docs = render_set("all-features")
    [job] = of_kind(docs, "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,post-upgrade"
    c = job["spec"]["template"]["spec"]["containers"][0]
    assert c["command"] == ["/app/.venv/bin/python", "-m", "omni_kit.events.provision"]
    # its pod may reach NATS despite the default deny
    np = by_name(docs, "NetworkPolicy", f"{FULLNAME}-nats-init")["spec"]
    assert np["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "nats-init"
    assert 4222 in set().union(*(rule_ports(r) for r in np["egress"]))


# --------------------------------------------------------------------------- observability


@pytest.mark.parametrize("value_set", ["production", "all-features"])
def test_custom_resources_are_well_formed(value_set: str) -> None:
    """ServiceMonitor and PrometheusRule have no offline schema: check their shape and targets."""
    docs = render_set(value_set)
    services = {s["metadata"]["name"]: s for s in of_kind(docs, "Service")}
    monitors = of_kind(docs, "ServiceMonitor")
    assert {component(m) for m in monitors} == set(SERVICES)
    for sm in monitors:
        assert sm["apiVersion"] == "monitoring.coreos.com/v1"
        assert set(sm["spec"]) <= {"jobLabel", "namespaceSelector", "selector", "endpoints"}
        target = services[sm["metadata"]["name"]]
        assert sm["spec"]["selector"]["matchLabels"].items() <= target["metadata"]["labels"].items()
        assert sm["spec"]["namespaceSelector"] == {"matchNames": [NAMESPACE]}
        [ep] = sm["spec"]["endpoints"]
        assert ep["port"] in {p["name"] for p in target["spec"]["ports"]}
        assert ep["path"] == "/metrics"
        assert re.fullmatch(r"\d+[smh]", ep["interval"]) and re.fullmatch(
            r"\d+[smh]", ep["scrapeTimeout"]
        )

    [rule] = of_kind(docs, "PrometheusRule")
    assert rule["apiVersion"] == "monitoring.coreos.com/v1"
    assert set(rule["spec"]) == {"groups"}
    alerts = {}
    for group in rule["spec"]["groups"]:
        assert set(group) <= {"name", "interval", "rules"} and group["name"]
        for r in group["rules"]:
            assert set(r) <= {"alert", "expr", "for", "labels", "annotations"}, r
            assert r["expr"].count("(") == r["expr"].count(")"), r["alert"]
            assert r["labels"]["severity"] in {"warning", "critical"}
            assert r["annotations"]["summary"] and r["annotations"]["description"]
            assert f'namespace="{NAMESPACE}"' in r["expr"]
            alerts[r["alert"]] = r
    assert "omni_rpc_requests_total" in alerts["OmniHighErrorRate"]["expr"]
    assert "histogram_quantile(0.99" in alerts["OmniHighLatencyP99"]["expr"]
    assert "omni_rpc_duration_seconds_bucket" in alerts["OmniHighLatencyP99"]["expr"]
    assert "omni_consumer_lag" in alerts["OmniConsumerLag"]["expr"]
    assert "omni_outbox_backlog" in alerts["OmniOutboxBacklog"]["expr"]
    assert "omni_order_sagas_failed_total" in alerts["OmniOrderSagasFailed"]["expr"]


def test_alert_thresholds_come_from_values() -> None:
    docs = render(
        VALUE_SETS["production"],
        (
            "json:monitoring.prometheusRule.thresholds.p99LatencySeconds=0.25",
            "monitoring.prometheusRule.thresholds.outboxBacklog=42",
        ),
    )
    [rule] = of_kind(docs, "PrometheusRule")
    rules = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert rules["OmniHighLatencyP99"]["expr"].rstrip().endswith("> 0.25")
    assert rules["OmniOutboxBacklog"]["expr"].rstrip().endswith("> 42")


def test_any_dead_letter_and_a_stale_outbox_alert_on_metrics_the_kit_emits() -> None:
    docs = render(
        VALUE_SETS["production"], ("monitoring.prometheusRule.thresholds.outboxOldestSeconds=120",)
    )
    [rule] = of_kind(docs, "PrometheusRule")
    rules = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    # The names the kit registers (tests/integration/kit shows each one set by a real consumer
    # and relay); a gauge's sample has no suffix.
    dead_letters, oldest = metrics.DEAD_LETTERS._name, metrics.OUTBOX_OLDEST._name
    assert re.search(
        rf"max by \(namespace, consumer\) \({dead_letters}\{{", rules["OmniDeadLetters"]["expr"]
    )
    assert rules["OmniDeadLetters"]["expr"].rstrip().endswith("> 0")
    assert "for" not in rules["OmniDeadLetters"], "one dead letter is enough"
    assert f"({oldest}{{" in rules["OmniOutboxStale"]["expr"]
    assert rules["OmniOutboxStale"]["expr"].rstrip().endswith("> 120")
    for name in ("OmniDeadLetters", "OmniOutboxStale"):
        assert (
            rules[name]["annotations"]["runbook"] == "docs/operations.md#dead-letters-and-backlogs"
        )


@pytest.mark.parametrize("value_set", ["default", "all-features"])
def test_grafana_dashboards(value_set: str) -> None:
    docs = render_set(value_set)
    cm = by_name(docs, "ConfigMap", f"{FULLNAME}-dashboards")
    assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    assert set(cm["data"]) == {"omni-overview.json", "omni-service.json"}
    boards = {k: json.loads(v) for k, v in cm["data"].items()}
    text = "".join(cm["data"].values())
    assert "__OMNI_" not in text, "a placeholder was not filled in"
    for metric in (
        "omni_rpc_requests_total",
        "omni_rpc_duration_seconds_bucket",
        "omni_http_requests_total",
        "omni_consumer_redeliveries_total",
        "omni_consumer_lag",
        "omni_outbox_backlog",
        "omni_orders_total",
        "omni_reservations_refused_total",
    ):
        assert metric in text, metric
    uid, kind = ("jaeger-prod", "jaeger") if value_set == "all-features" else ("tempo", "tempo")
    for name, board in boards.items():
        ids = [p["id"] for p in board["panels"]]
        assert len(ids) == len(set(ids)), name
        assert all(p["type"] in {"row", "stat", "timeseries"} for p in board["panels"])
        trace_links = [link["url"] for link in board["links"] if "/explore" in link["url"]]
        assert trace_links, f"{name}: no link to traces"
        for url in trace_links:
            assert f"%22uid%22%3A%22{uid}%22" in url and f"%22type%22%3A%22{kind}%22" in url
        ns = next(v for v in board["templating"]["list"] if v["name"] == "namespace")
        assert ns["current"]["value"] == NAMESPACE
    service_board = boards["omni-service.json"]
    assert {v["name"] for v in service_board["templating"]["list"]} >= {"service", "method"}
    # RED: rate, errors and duration for the chosen service, with exemplars to traces
    exprs = [t["expr"] for p in service_board["panels"] for t in p.get("targets", [])]
    assert any("omni_rpc_requests_total" in e and 'omni_service="$service"' in e for e in exprs)
    # Never the bare `service` label: the Prometheus Operator sets it to the Kubernetes Service.
    every = [
        t.get(k, "")
        for b in boards.values()
        for p in b["panels"]
        for t in p.get("targets", [])
        for k in ("expr", "legendFormat")
    ]
    every += [
        v.get("query", "") if isinstance(v.get("query"), str) else v["query"].get("query", "")
        for b in boards.values()
        for v in b["templating"]["list"]
    ]
    assert not [e for e in every if re.search(r"(?<![$\w])service\b(?!\})|\{\{service\}\}", e)]
    assert any("code=~" in e for e in exprs)
    assert any(t.get("exemplar") for p in service_board["panels"] for t in p.get("targets", []))


# --------------------------------------------------------------------------- the schema


BAD_VALUES = [
    ("logLevel=loud", "/logLevel"),
    ("services.catalog.logLevel=verbose", "/services/catalog/logLevel"),
    ("services.catalog.replicaz=2", "replicaz"),
    ("unknownTopLevel=1", "unknownTopLevel"),
    ("services.catalgo.replicas=1", "catalgo"),
    ("image.tag=latest", "/image/tag"),
    ("services.gateway.image.tag=LATEST", "/services/gateway/image/tag"),
    ("dev.nats.image.tag=latest", "/dev/nats/image/tag"),
    ("services.notification.env.SMTP_PASSWORD=hunter2", "SMTP_PASSWORD"),
    ("services.order.env.MONGO_URI=mongodb://u:p@db", "MONGO_URI"),
    ("services.order.mongodb.uri=mongodb://u:p@db", "uri"),
    ("nats.url=nats://user:pass@nats:4222", "/nats/url"),
    ("ports.grpc=80", "/ports/grpc"),
    ("serviceDefaults.resources.limits=null", "limits"),
    ("services.order.replicas=-1", "/services/order/replicas"),
    ("services.order.calls={order,billing}", "/services/order/calls"),
    ("monitoring.dashboards.traces.type=zipkin", "/monitoring/dashboards/traces/type"),
    ("httpSecurity.corsAllowedOrigins={*}", "/httpSecurity/corsAllowedOrigins/0"),
]


@pytest.mark.parametrize(("setting", "field"), BAD_VALUES, ids=[b[0] for b in BAD_VALUES])
def test_a_wrong_value_fails_with_a_message_naming_the_field(setting: str, field: str) -> None:
    proc = helm(*template_args((), (setting,)))
    assert proc.returncode != 0, f"--set {setting} was accepted"
    assert field in proc.stderr, proc.stderr


def test_the_schema_closes_every_object() -> None:
    """additionalProperties is false wherever properties are listed; open maps say what they hold."""
    schema = json.loads((CHART / "values.schema.json").read_text())
    open_objects = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and node.get("additionalProperties") is not False:
                open_objects.append(path)
            # a map (labels, env, ...) must constrain its values; only `global` is free
            is_map = node.get("type") == "object" and "properties" not in node
            if (
                is_map
                and path != "/properties/global"
                and not isinstance(node.get("additionalProperties"), dict)
            ):
                open_objects.append(path)
            for k, v in node.items():
                walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, f"{path}/{i}")

    walk(schema, "")
    assert not open_objects, open_objects
    # and the shipped values satisfy it (helm lint checks the same, this names the file)
    for values in ("values.yaml", "values-dev.yaml", "values-production.yaml"):
        assert helm(*template_args((str(CHART / values),), ())).returncode == 0, values
