"""The rendered manifests: strictly valid for a current Kubernetes and true to the suite's needs."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from k8s_render import K8S, REPO_ROOT, TARGETS, Resource

from clearway.runtime.settings import DEFAULT_PORTS, SERVICE_NAMES

KUBERNETES_VERSION = kubernetes_validate.latest_version()
NAMESPACE = "clearway"
NAME_LABEL = "app.kubernetes.io/name"
DOMAIN_SERVICES = tuple(name for name in SERVICE_NAMES if name != "clearance")
ALL_TARGETS = tuple(TARGETS)
STATEFUL = ("clearance", "risk")  # they share the database in prod: decisions, risk history
HEALTH_PORT = 8081  # CLEARWAY_HEALTH_PORT: plaintext health only, for kubelet's gRPC probes


def of_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def config(resources: list[Resource]) -> dict[str, str]:
    """The data of the shared settings ConfigMap (generated, so its name has a hash suffix)."""
    (found,) = [
        r["data"]
        for r in resources
        if r["kind"] == "ConfigMap" and r["metadata"]["name"].startswith("clearway-config-")
    ]
    return dict(found)


def pod_spec(deployment: Resource) -> dict[str, Any]:
    spec: dict[str, Any] = deployment["spec"]["template"]["spec"]
    return spec


def main_container(deployment: Resource) -> dict[str, Any]:
    (container,) = pod_spec(deployment)["containers"]
    return dict(container)


def all_containers(deployment: Resource) -> Iterator[dict[str, Any]]:
    spec = pod_spec(deployment)
    yield from spec.get("initContainers", [])
    yield from spec["containers"]


def environment(resources: list[Resource], deployment: Resource) -> dict[str, Any]:
    """What the main container sees: envFrom ConfigMaps, then env (values or valueFrom)."""
    container = main_container(deployment)
    configmaps = of_kind(resources, "ConfigMap")
    env: dict[str, Any] = {}
    for source in container.get("envFrom", []):
        env.update(configmaps[source["configMapRef"]["name"]]["data"])
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value", variable.get("valueFrom"))
    return env


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """matchLabels semantics (the only form these manifests use); {} selects everything."""
    assert set(selector) <= {"matchLabels"}, f"unsupported selector {selector}"
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def pod_labels(deployment: Resource) -> dict[str, str]:
    return dict(deployment["spec"]["template"]["metadata"]["labels"])


def mount_volume(deployment: Resource, path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The main container's mount at `path` and the pod volume behind it."""
    (mount,) = [m for m in main_container(deployment)["volumeMounts"] if m["mountPath"] == path]
    (volume,) = [v for v in pod_spec(deployment)["volumes"] if v["name"] == mount["name"]]
    return mount, volume


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_resource_validates_strictly(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    errors = []
    for resource in rendered[target]:
        try:
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{resource['kind']}/{resource['metadata']['name']}: {error.message}")
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_each_service_has_its_objects(rendered: dict[str, list[Resource]], target: str) -> None:
    resources = rendered[target]
    for kind in ("Deployment", "Service", "ServiceAccount"):
        assert set(of_kind(resources, kind)) == set(SERVICE_NAMES), kind
    for resource in resources:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == NAMESPACE, resource["metadata"]["name"]
        assert resource["metadata"]["labels"]["app.kubernetes.io/part-of"] == "clearway"
    namespace = of_kind(resources, "Namespace")[NAMESPACE]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_deployments_run_the_one_image_per_service(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    resources = rendered[target]
    for name, deployment in of_kind(resources, "Deployment").items():
        container = main_container(deployment)
        assert container["args"] == ["serve", name]
        assert "command" not in container, "the image's entrypoint is `clearway`"
        assert "replicas" not in deployment["spec"], f"{name}: the HPA owns the replica count"
        assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
        assert pod_spec(deployment)["serviceAccountName"] == name
        assert name in of_kind(resources, "ServiceAccount")
        env = environment(resources, deployment)
        assert env["CLEARWAY_HOST"] == "0.0.0.0"
        assert int(env[f"CLEARWAY_{name.upper()}_PORT"]) == DEFAULT_PORTS[name]
        ports = container["ports"]
        assert [p["containerPort"] for p in ports] == [DEFAULT_PORTS[name], HEALTH_PORT]
        assert int(env["CLEARWAY_HEALTH_PORT"]) == HEALTH_PORT
    images = {
        c["image"]
        for d in of_kind(resources, "Deployment").values()
        for c in d["spec"]["template"]["spec"]["containers"]
    }
    assert len(images) == 1, f"one image for the suite, got {images}"


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_containers_are_probed_limited_and_locked_down(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    for name, deployment in of_kind(rendered[target], "Deployment").items():
        pod = pod_spec(deployment)
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
        assert pod["automountServiceAccountToken"] is False
        for container in all_containers(deployment):
            where = f"{name}/{container['name']}"
            security = container["securityContext"]
            assert security["runAsNonRoot"] is True, where
            assert security["readOnlyRootFilesystem"] is True, where
            assert security["allowPrivilegeEscalation"] is False, where
            assert security["capabilities"]["drop"] == ["ALL"], where
            assert "add" not in security["capabilities"], where
            assert security["seccompProfile"]["type"] == "RuntimeDefault", where
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, where
            for port in container.get("ports", []):
                assert port.get("name"), f"{where}: unnamed port {port}"
        container = main_container(deployment)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["grpc"] == {"port": HEALTH_PORT, "service": ""}, (
                f"{name} {probe}: the plaintext health port, kubelet cannot speak TLS"
            )


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_termination_outlasts_the_drain(rendered: dict[str, list[Resource]], target: str) -> None:
    resources = rendered[target]
    for name, deployment in of_kind(resources, "Deployment").items():
        grace = float(environment(resources, deployment).get("CLEARWAY_GRACE_SECONDS", 5))
        pre_stop = main_container(deployment)["lifecycle"]["preStop"]["sleep"]["seconds"]
        budget = pod_spec(deployment)["terminationGracePeriodSeconds"]
        assert budget > pre_stop + grace, f"{name}: {budget} s <= {pre_stop} s + {grace} s"


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_services_are_headless_and_select_their_pods(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    resources = rendered[target]
    deployments = of_kind(resources, "Deployment")
    for name, service in of_kind(resources, "Service").items():
        spec = service["spec"]
        assert spec["clusterIP"] == "None", f"{name}: headless, for client-side round_robin"
        selected = [
            d
            for d, dep in deployments.items()
            if selects({"matchLabels": spec["selector"]}, pod_labels(dep))
        ]
        assert selected == [name]
        (port,) = spec["ports"]
        container_ports = {
            p["name"]: p["containerPort"] for p in main_container(deployments[name])["ports"]
        }
        assert port["name"] and port["targetPort"] in container_ports
        assert port["port"] == container_ports[port["targetPort"]] == DEFAULT_PORTS[name]
    for name, deployment in deployments.items():
        assert selects(deployment["spec"]["selector"], pod_labels(deployment)), name


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_orchestrator_targets_are_dns_round_robin_over_headless_services(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    resources = rendered[target]
    env = environment(resources, of_kind(resources, "Deployment")["clearance"])
    services = of_kind(resources, "Service")
    for name in DOMAIN_SERVICES:
        host = f"{name}.{NAMESPACE}.svc.cluster.local"
        assert env[f"CLEARWAY_{name.upper()}_TARGET"] == f"dns:///{host}:{DEFAULT_PORTS[name]}"
        assert services[name]["spec"]["ports"][0]["port"] == DEFAULT_PORTS[name]


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_every_deployment_has_one_pdb_and_one_hpa(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    resources = rendered[target]
    hpas = [r for r in resources if r["kind"] == "HorizontalPodAutoscaler"]
    assert all(h["apiVersion"] == "autoscaling/v2" for h in hpas)
    for name, deployment in of_kind(resources, "Deployment").items():
        pdbs = [
            p
            for p in of_kind(resources, "PodDisruptionBudget").values()
            if selects(p["spec"]["selector"], pod_labels(deployment))
        ]
        assert len(pdbs) == 1, f"{name}: {len(pdbs)} PodDisruptionBudgets"
        assert pdbs[0]["spec"]["maxUnavailable"] == 1, "drainable even with one replica"
        scalers = [h for h in hpas if h["spec"]["scaleTargetRef"]["name"] == name]
        assert len(scalers) == 1, f"{name}: {len(scalers)} HorizontalPodAutoscalers"
        spec = scalers[0]["spec"]
        assert spec["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
        assert spec["metrics"], name


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_references_resolve(rendered: dict[str, list[Resource]], target: str) -> None:
    """Every ConfigMap a pod mounts or reads is rendered (Secrets are the operator's)."""
    resources = rendered[target]
    configmaps = of_kind(resources, "ConfigMap")
    for name, deployment in of_kind(resources, "Deployment").items():
        for volume in pod_spec(deployment)["volumes"]:
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configmaps, f"{name}: {volume}"
        for source in main_container(deployment).get("envFrom", []):
            assert source["configMapRef"]["name"] in configmaps, name
        volumes = {v["name"] for v in pod_spec(deployment)["volumes"]}
        for container in all_containers(deployment):
            for mount in container.get("volumeMounts", []):
                assert mount["name"] in volumes, f"{name}/{container['name']}: {mount}"


def rule_packs(domain: str) -> dict[str, bytes]:
    folder = REPO_ROOT / "rules" / domain
    return (
        {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}
    )


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_rule_packs_are_mounted_from_configmaps_generated_from_rules(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    resources = rendered[target]
    configmaps = of_kind(resources, "ConfigMap")
    for name, deployment in of_kind(resources, "Deployment").items():
        rules_dir = Path(environment(resources, deployment)["CLEARWAY_RULES_DIR"])
        for domain in SERVICE_NAMES:
            mount, volume = mount_volume(deployment, str(rules_dir / domain))
            assert mount["readOnly"] is True
            configmap = configmaps[volume["configMap"]["name"]]
            assert configmap["metadata"]["name"].startswith(f"clearway-rules-{domain}-")
            data = {key: value.encode() for key, value in configmap.get("data", {}).items()}
            assert data == rule_packs(domain), (
                f"{name}: ConfigMap for rules/{domain} is stale: run python3 k8s/sync_rules.py"
            )
            size = sum(len(value) for value in data.values())
            assert size < 900 * 1024, f"rules/{domain} nears the 1 MiB ConfigMap limit"


def test_rules_kustomization_is_current() -> None:
    """k8s/base/rules/kustomization.yaml is what k8s/sync_rules.py writes for today's rules/."""
    spec = importlib.util.spec_from_file_location("sync_rules", K8S / "sync_rules.py")
    assert spec is not None and spec.loader is not None
    sync_rules = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(sync_rules)
    assert tuple(sync_rules.DOMAINS) == SERVICE_NAMES
    expected = sync_rules.render(REPO_ROOT / "rules")
    assert sync_rules.OUTPUT.read_text(encoding="utf-8") == expected, (
        "rule packs were added or removed: run python3 k8s/sync_rules.py"
    )


def policies_for(
    resources: list[Resource], labels: dict[str, str], direction: str
) -> list[dict[str, Any]]:
    """The ingress or egress rules of every NetworkPolicy that selects pods with `labels`."""
    kind = direction.capitalize()
    rules: list[dict[str, Any]] = []
    for policy in of_kind(resources, "NetworkPolicy").values():
        spec = policy["spec"]
        if kind in spec["policyTypes"] and selects(spec["podSelector"], labels):
            rules.extend(spec.get(direction, []))
    return rules


def peer(rule: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return list(rule.get(key, []))


def ports(rule: dict[str, Any]) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for p in rule.get("ports", [])}


KUBE_DNS = {
    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
}
DNS_PORTS = {("UDP", 53), ("TCP", 53)}


@pytest.mark.parametrize("target", ALL_TARGETS)
def test_network_policies_deny_all_but_each_caller(
    rendered: dict[str, list[Resource]], target: str
) -> None:
    resources = rendered[target]
    policies = of_kind(resources, "NetworkPolicy")
    deny = [
        p
        for p in policies.values()
        if p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
    ]
    assert len(deny) == 1, "one default deny-all policy"
    deployments = of_kind(resources, "Deployment")
    orchestrator = {"podSelector": {"matchLabels": {NAME_LABEL: "clearance"}}}
    for name in DOMAIN_SERVICES:
        ingress = policies_for(resources, pod_labels(deployments[name]), "ingress")
        assert [(peer(r, "from"), ports(r)) for r in ingress] == [
            ([orchestrator], {("TCP", DEFAULT_PORTS[name])})
        ], f"{name}: only the orchestrator may call it"
    ingress = policies_for(resources, pod_labels(deployments["clearance"]), "ingress")
    controller = {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}
    }
    assert [(peer(r, "from"), ports(r)) for r in ingress] == [
        ([controller], {("TCP", DEFAULT_PORTS["clearance"])})
    ], "only the ingress controller may call the orchestrator"
    egress = policies_for(resources, pod_labels(deployments["clearance"]), "egress")
    assert ([KUBE_DNS], DNS_PORTS) in [(peer(r, "to"), ports(r)) for r in egress]
    for name in DOMAIN_SERVICES:
        to_service = (
            [{"podSelector": {"matchLabels": {NAME_LABEL: name}}}],
            {("TCP", DEFAULT_PORTS[name])},
        )
        assert to_service in [(peer(r, "to"), ports(r)) for r in egress], name
    for rule in egress + [
        r for d in deployments.values() for r in policies_for(resources, pod_labels(d), "ingress")
    ]:
        assert rule.get("ports"), "every allow names its ports"


def test_dev_runs_one_replica_each_on_sqlite(rendered: dict[str, list[Resource]]) -> None:
    resources = rendered["dev"]
    for name, hpa in of_kind(resources, "HorizontalPodAutoscaler").items():
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (1, 1), name
    deployments = of_kind(resources, "Deployment")
    for name, deployment in deployments.items():
        env = environment(resources, deployment)
        assert "CLEARWAY_DB" not in env, f"{name}: dev keeps SQLite in the state directory"
        assert "OTEL_EXPORTER_OTLP_ENDPOINT" not in env
        mount, volume = mount_volume(deployment, env["CLEARWAY_STATE_DIR"])
        assert "emptyDir" in volume and not mount.get("readOnly"), name


def test_prod_scales_out_spreads_and_uses_its_secrets(rendered: dict[str, list[Resource]]) -> None:
    resources = rendered["prod"]
    dev_hpas = of_kind(rendered["dev"], "HorizontalPodAutoscaler")
    for name, hpa in of_kind(resources, "HorizontalPodAutoscaler").items():
        assert hpa["spec"]["minReplicas"] >= 3 > dev_hpas[name]["spec"]["minReplicas"], name
    secrets = of_kind(resources, "Secret")
    assert not secrets, "prod Secrets are created by the operator, never rendered from the repo"
    for name, deployment in of_kind(resources, "Deployment").items():
        pod = pod_spec(deployment)
        (term,) = pod["affinity"]["podAntiAffinity"][
            "preferredDuringSchedulingIgnoredDuringExecution"
        ]
        assert term["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
        assert term["podAffinityTerm"]["labelSelector"] == {"matchLabels": {NAME_LABEL: name}}
        spread = pod["topologySpreadConstraints"][0]
        assert spread["topologyKey"] == "topology.kubernetes.io/zone", name
        env = environment(resources, deployment)
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].endswith(":4317")
        for variable, file_name in (("CERT", "tls.crt"), ("KEY", "tls.key"), ("CA", "ca.crt")):
            path = Path(env[f"CLEARWAY_TLS_{variable}_FILE"])
            assert path.name == file_name
            mount, volume = mount_volume(deployment, str(path.parent))
            assert mount["readOnly"] and volume["secret"]["secretName"] == f"clearway-{name}-tls"
        image = main_container(deployment)["image"]
        assert "/" in image and not image.endswith(":latest"), f"{name}: a registry and a tag"
        if name in STATEFUL:
            assert env["CLEARWAY_DB"] == {"secretKeyRef": {"name": "clearway-db", "key": "url"}}
        else:
            assert "CLEARWAY_DB" not in env, f"{name} keeps no state"
        if name != "clearance":
            mount, volume = mount_volume(deployment, env["CLEARWAY_DATA_DIR"])
            assert mount["readOnly"] is True and "emptyDir" in volume
            (loader,) = pod["initContainers"]
            assert any(m["name"] == mount["name"] for m in loader["volumeMounts"])
    for name in STATEFUL:
        egress = policies_for(
            resources, pod_labels(of_kind(resources, "Deployment")[name]), "egress"
        )
        assert {("TCP", 5432)} in [ports(r) for r in egress], f"{name} reaches PostgreSQL"
    for name, deployment in of_kind(resources, "Deployment").items():
        egress = policies_for(resources, pod_labels(deployment), "egress")
        assert {("TCP", 4317)} in [ports(r) for r in egress], f"{name} exports telemetry"
        assert DNS_PORTS in [ports(r) for r in egress], f"{name} resolves the collector"
