"""deploy/: the Kubernetes manifests against Kubernetes' own JSON schemas, the compose file against the
compose specification's schema (both bundled by pinned PyPI packages, read offline), and what the
design needs of them: probes, resource requests, an autoscaler for Rasa, only Rasa reaching the action
server, Rasa's API never routed to the outside, secrets only from Secrets or the environment."""

from __future__ import annotations

import importlib.util
import json
import re
from functools import lru_cache
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.config import ROOT, SECRETS, Settings

DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "v1.33.0-local-strict"
# Variables the manifests set that are not Settings fields: read by endpoints.prod.yml, bot/prod.py's
# `wait`, or by compose itself.
OTHER_VARIABLES = {"NAAST_TRACKER_URL", "NAAST_TRACKER_DIALECT", "NAAST_ACTION_URL", "NAAST_REDIS_HOST",
                   "NAAST_REDIS_PORT", "NAAST_REDIS_PASSWORD", "NAAST_POSTGRES_PASSWORD", "NAAST_IMAGE",
                   "NAAST_HTTP_PORT"}
SECRET_VARIABLES = {*SECRETS, "NAAST_POSTGRES_PASSWORD", "NAAST_REDIS_PASSWORD", "NAAST_WEBHOOK_SECRET"}


def _package_dir(name: str) -> Path:
    """A data package's folder, without importing it (their code needs newer jsonschema than Rasa allows)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        pytest.fail(f"{name} is not installed: run `make install` (the Makefile installs it, data only)")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=1)
def _documents() -> list[tuple[str, dict]]:
    docs = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    return docs


def _of(kind: str) -> list[dict]:
    return [doc for _, doc in _documents() if doc["kind"] == kind]


def _schema_file(doc: dict) -> str:
    group, _, version = doc["apiVersion"].rpartition("/")
    group = group.split(".")[0]
    return f"{doc['kind'].lower()}{'-' + group if group else ''}-{version}.json"


def _kubernetes_validator(doc: dict) -> jsonschema.Draft4Validator:
    folder = _package_dir("kubernetes_validate") / "kubernetes-json-schema" / KUBERNETES_VERSION
    assert folder.is_dir(), folder
    schema = json.loads((folder / _schema_file(doc)).read_text(encoding="utf-8"))
    # The schemas point at their shared definitions as "/api/_definitions.json".
    definitions = json.loads((folder / "_definitions.json").read_text(encoding="utf-8"))
    resolver = jsonschema.RefResolver(base_uri="file:///api/", referrer=schema,
                                      store={"file:///api/_definitions.json": definitions})
    return jsonschema.Draft4Validator(schema, resolver=resolver)


def test_every_manifest_is_valid_against_the_kubernetes_schema() -> None:
    kinds = set()
    for name, doc in _documents():
        errors = list(_kubernetes_validator(doc).iter_errors(doc))
        where = f"{name} {doc['kind']}/{doc['metadata']['name']}"
        assert not errors, f"{where}: {errors[0].message} at {list(errors[0].path)}"
        kinds.add(doc["kind"])
    assert {"Deployment", "StatefulSet", "Service", "HorizontalPodAutoscaler", "NetworkPolicy", "Ingress",
            "ConfigMap"} <= kinds


def test_a_broken_manifest_is_refused_by_the_same_check() -> None:
    doc = json.loads(json.dumps(_of("Deployment")[0]))
    doc["spec"]["replicas"] = "two"
    doc["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy2"] = "Always"
    errors = list(_kubernetes_validator(doc).iter_errors(doc))
    assert len(errors) >= 2, [error.message for error in errors]


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))["resources"])
    assert listed == {path.name for path in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def _workloads() -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in _of("Deployment") + _of("StatefulSet")}


def test_a_deployment_per_component_with_probes_and_resource_requests() -> None:
    workloads = _workloads()
    components = {"naast-rasa", "naast-actions", "naast-web", "naast-worker", "naast-postgres", "naast-redis"}
    assert components <= set(workloads)
    for name, doc in workloads.items():
        pod = doc["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            assert container["resources"]["requests"]["cpu"] and container["resources"]["requests"]["memory"], name
            assert "memory" in container["resources"]["limits"], name
        for container in pod["containers"]:
            if name != "naast-worker":  # no port; it restarts when its process exits (worker.yaml)
                assert "readinessProbe" in container and "livenessProbe" in container, name


def test_rasa_scales_on_cpu() -> None:
    [hpa] = _of("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "naast-rasa"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"


def test_only_rasa_reaches_the_action_server() -> None:
    policies = [p for p in _of("NetworkPolicy")
                if p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name") == "naast-actions"]
    assert len(policies) == 1
    [rule] = policies[0]["spec"]["ingress"]
    assert rule["from"] == [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "naast-rasa"}}}]
    assert rule["ports"] == [{"protocol": "TCP", "port": 5055}]
    # And nothing else opens it: the default is to deny.
    assert any(p["spec"]["podSelector"] == {} and p["spec"]["policyTypes"] == ["Ingress"] and "ingress" not in p["spec"]
               for p in _of("NetworkPolicy"))
    assert not [i for i in _of("Ingress") for rule in i["spec"]["rules"] for path in rule["http"]["paths"]
                if path["backend"]["service"]["name"] == "naast-actions"]


def test_from_outside_only_the_web_app_and_rasas_channels() -> None:
    routes = {(path["path"], path["backend"]["service"]["name"]) for ingress in _of("Ingress")
              for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}
    assert routes == {("/", "naast-web"), ("/webhooks/rest/webhook", "naast-rasa"), ("/socket.io/", "naast-rasa")}
    for ingress in _of("Ingress"):
        assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"] == "64k"
    hashes = {i["metadata"]["name"]: i["metadata"]["annotations"].get("nginx.ingress.kubernetes.io/upstream-hash-by")
              for i in _of("Ingress")}
    assert "x_naast_sender" in hashes["naast-rest-channel"] and hashes["naast-socketio"] == "$remote_addr"


def _env(container: dict) -> list[dict]:
    return container.get("env", [])


def test_secrets_come_from_the_secret_only() -> None:
    for name, doc in _workloads().items():
        pod = doc["spec"]["template"]["spec"]
        for container in pod["containers"] + pod.get("initContainers", []):
            for variable in _env(container):
                if variable["name"] in SECRET_VARIABLES:
                    assert variable["valueFrom"]["secretKeyRef"]["name"] == "naast-secrets", (name, variable)
                    assert "value" not in variable
            if doc["metadata"]["name"] in ("naast-rasa", "naast-web", "naast-actions", "naast-worker"):
                assert {v["name"] for v in _env(container)} >= set(SECRETS), name
    for config in _of("ConfigMap"):
        assert not set(config["data"]) & SECRET_VARIABLES, config["metadata"]["name"]


def _variables(text: str) -> set[str]:
    return set(re.findall(r"\b(NAAST_[A-Z_]+)\b", text))


def test_every_setting_the_deployment_files_name_exists() -> None:
    known = {f"NAAST_{name.upper()}" for name in Settings.__fields__} | OTHER_VARIABLES
    for path in [*K8S.glob("*.yaml"), DEPLOY / "docker-compose.yml"]:
        unknown = _variables(path.read_text(encoding="utf-8")) - known
        assert not unknown, (path.name, unknown)


@lru_cache(maxsize=1)
def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_compose_file_is_valid_against_the_compose_specification() -> None:
    schema_path = _package_dir("check_jsonschema") / "builtin_schemas" / "vendor" / "compose-spec.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = list(validator.iter_errors(_compose()))
    assert not errors, f"{errors[0].message} at {list(errors[0].path)}"
    broken = json.loads(json.dumps(_compose()))
    broken["services"]["web"]["restart"] = ["always"]
    broken["services"]["rasa"]["healthcheck"]["intervall"] = "5s"
    assert list(validator.iter_errors(broken))


def test_compose_publishes_only_nginx_and_takes_secrets_from_the_environment() -> None:
    services = _compose()["services"]
    assert {"postgres", "redis", "rasa", "actions", "web", "worker", "nginx"} <= set(services)
    assert [name for name, service in services.items() if "ports" in service] == ["nginx"]
    text = (DEPLOY / "docker-compose.yml").read_text(encoding="utf-8")
    for variable in SECRET_VARIABLES - {"NAAST_WEBHOOK_SECRET"}:
        assert f"${{{variable}:?" in text, variable  # compose refuses to start without it
    conf = (DEPLOY / "nginx" / "naast.conf").read_text(encoding="utf-8")
    public = conf.split("server {", 1)[1].split("\nserver {", 1)[0]
    assert re.findall(r"location ([^{]+?) \{", public) == ["/socket.io/", "= /webhooks/rest/webhook", "= /api/chat",
                                                            "/"]
    assert "hash $http_x_naast_sender consistent" in conf.split("upstream naast_chat", 1)[1].split("}", 1)[0]
    assert "client_max_body_size 64k" in public


def test_the_rasa_router_finds_the_rasa_pods_in_the_namespace_it_runs_in() -> None:
    """No namespace is written into the router's nginx config: the image's template step fills in the
    pod's own (only variables set in the environment are replaced; nginx's $variables stay)."""
    import re

    (config,) = [c for c in _of("ConfigMap") if c["metadata"]["name"] == "naast-rasa-router"]
    template = config["data"]["default.conf.template"]
    assert "naast-rasa-pods.${POD_NAMESPACE}.svc.cluster.local:5005" in template
    assert set(re.findall(r"\$\{(\w+)\}", template)) == {"POD_NAMESPACE"}
    (router,) = [d for d in _of("Deployment") if d["metadata"]["name"] == "naast-rasa-router"]
    (container,) = router["spec"]["template"]["spec"]["containers"]
    env = {e["name"]: e for e in container["env"]}
    assert env["POD_NAMESPACE"]["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert {"name": "config", "mountPath": "/etc/nginx/templates"} in container["volumeMounts"]
