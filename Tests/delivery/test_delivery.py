"""Static checks of the delivery files: the Artillery scenario, the ECS task definition template, the local
Compose stack and the deploy workflows agree with each other and with what their tools accept.

Run: .venv/bin/python -m pytest -q Tests/delivery (scripts/check-delivery runs it after the linters).
DELIVERY_ROOT points the tests at another copy of the files (used to check that each test can fail).
"""

import json
import os
import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(os.environ.get("DELIVERY_ROOT") or Path(__file__).resolve().parents[2])
ARTILLERY = ROOT / "loadtest" / "artillery.yml"
TASKDEF = ROOT / "infra" / "ecs-taskdef.json"
COMPOSE = ROOT / "docker-compose.dev.yml"
WORKFLOWS = ROOT / ".github" / "workflows"
DEPLOY_WORKFLOW = WORKFLOWS / "service-build-deploy.yml"

# The seven processes of `parley serve --service NAME`.
DEPLOYABLES = {"gateway", "auth", "users", "chats", "messages", "media", "notifications"}
SERVICE_URL_VARS = {
    "AUTH_URL": "auth",
    "USERS_URL": "users",
    "CHATS_URL": "chats",
    "MESSAGES_URL": "messages",
    "MEDIA_URL": "media",
    "NOTIFICATIONS_URL": "notifications",
}

PLACEHOLDER = re.compile(r"__[A-Z][A-Z0-9_]*__")
# Anything that looks like a placeholder in another spelling: __lower__, ${X}, {{X}}, <X>, %X%.
PLACEHOLDER_LIKE = re.compile(r"__\w+?__|\$\{[^}]*\}|\{\{[^}]*\}\}|<[A-Za-z_]+>|%[A-Z_]+%")


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def workflow_triggers(workflow):
    # YAML 1.1 reads the key `on` as the boolean true.
    return workflow.get("on", workflow.get(True))


# --- Artillery ---------------------------------------------------------------------------------------------------

# Flow actions of Artillery 2's HTTP and Socket.IO engines (and the WebSocket engine's connect/send), and the
# keys each may carry beside it.
ACTION_KEYS = {
    "get": set(), "post": set(), "put": set(), "patch": set(), "delete": set(), "head": set(), "options": set(),
    "think": {"jitter"},
    "loop": {"count", "over", "whileTrue", "loopValue", "loopElement"},
    "parallel": set(),
    "function": set(),
    "log": set(),
    "emit": {"acknowledge", "response", "namespace"},
    "connect": set(),
    "send": set(),
}
KNOWN_ENGINES = {"http", "socketio", "ws", "websocket"}
BUILTIN_VARIABLES = {"$uuid", "$loopCount", "$loopElement", "$environment", "$env", "$processEnvironment", "$testId",
                     "target"}
TEMPLATE = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")
FUNCTION_CALL = re.compile(r"^\$[A-Za-z0-9_]+\s*\(.*\)$")


@pytest.fixture(scope="module")
def artillery():
    return load_yaml(ARTILLERY)


def all_flows(script):
    """(label, steps) of the before/after hooks and of every scenario."""
    for hook in ("before", "after"):
        if hook in script:
            yield hook, script[hook]["flow"]
    for scenario in script["scenarios"]:
        yield scenario.get("name", "?"), scenario["flow"]


def walk_steps(steps):
    for step in steps:
        yield step
        if isinstance(step, dict):
            for nested in ("loop", "parallel"):
                if isinstance(step.get(nested), list):
                    yield from walk_steps(step[nested])


def test_artillery_has_target_phases_and_ensure(artillery):
    config = artillery["config"]
    assert re.match(r"^https?://", config["target"]), "config.target must be an http(s) URL"
    assert config["phases"], "config.phases is empty"
    assert config["ensure"], "config.ensure is empty"
    assert artillery["scenarios"], "no scenarios"


def test_artillery_phases_have_duration_and_rate(artillery):
    for phase in artillery["config"]["phases"]:
        name = phase.get("name", phase)
        assert isinstance(phase.get("duration"), (int, float)) and phase["duration"] > 0, f"{name}: duration"
        assert "arrivalRate" in phase or "arrivalCount" in phase, f"{name}: arrivalRate or arrivalCount"
        if "rampTo" in phase:
            assert "arrivalRate" in phase, f"{name}: rampTo needs arrivalRate"
        for key in ("arrivalRate", "rampTo", "maxVusers"):
            if key in phase:
                assert isinstance(phase[key], int) and phase[key] > 0, f"{name}: {key} must be a positive integer"
        assert phase.get("maxVusers", 0) <= 1000, f"{name}: more than 1,000 virtual users"


def test_artillery_ensure_thresholds(artillery):
    ensure = artillery["config"]["ensure"]
    thresholds = {}
    for entry in ensure.get("thresholds", []):
        thresholds.update(entry)
    p99 = thresholds.get("http.response_time.p99", ensure.get("p99"))
    assert p99 is not None and 0 < p99 <= 500, "p99 latency must be held under 500 ms"
    assert 0 <= ensure.get("maxErrorRate", 100) <= 1, "maxErrorRate must be at most 1 (%)"
    assert "ensure" in artillery["config"].get("plugins", {}), "Artillery 2 needs config.plugins.ensure"


def test_artillery_engines_are_known(artillery):
    engines = {scenario.get("engine", "http") for scenario in artillery["scenarios"]}
    assert engines <= KNOWN_ENGINES, f"unknown engines: {engines - KNOWN_ENGINES}"
    assert {"http", "socketio"} <= engines, "the scenario covers REST and Socket.IO"


def test_artillery_steps_are_known_actions(artillery):
    for label, steps in all_flows(artillery):
        for step in walk_steps(steps):
            assert isinstance(step, dict), f"{label}: a step is not a mapping: {step!r}"
            actions = [key for key in step if key in ACTION_KEYS]
            assert len(actions) == 1, f"{label}: a step needs exactly one action, has {sorted(step)}"
            extra = set(step) - {actions[0]} - ACTION_KEYS[actions[0]]
            assert not extra, f"{label}: {actions[0]} step with unknown keys {sorted(extra)}"
            if actions[0] == "emit":
                emit = step["emit"]
                assert isinstance(emit, list) or ("channel" in emit), f"{label}: emit needs a channel"


def test_artillery_emits_the_contract_events(artillery):
    channels = set()
    for _, steps in all_flows(artillery):
        for step in walk_steps(steps):
            if isinstance(step, dict) and "emit" in step:
                emit = step["emit"]
                channels.add(emit[0] if isinstance(emit, list) else emit["channel"])
    assert {"typing:start", "typing:stop", "message:send", "message:read"} <= channels


def template_names(value):
    """Variable names used by {{ }} templates anywhere in value (function calls are not variables)."""
    if isinstance(value, str):
        return {name for name in TEMPLATE.findall(value) if not FUNCTION_CALL.match(name)}
    if isinstance(value, dict):
        return set().union(set(), *(template_names(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(set(), *(template_names(v) for v in value))
    return set()


def captured_names(step):
    names = set()
    specs = []
    for key in ("post", "get", "put", "patch", "delete"):
        if isinstance(step.get(key), dict):
            specs.append(step[key].get("capture"))
    for key in ("acknowledge", "response"):
        if isinstance(step.get(key), dict):
            specs.append(step[key].get("capture"))
    for spec in specs:
        for item in spec if isinstance(spec, list) else [spec] if spec else []:
            names.add(item["as"])
    return names


def check_flow_variables(label, steps, known):
    for step in steps:
        nested = step.get("loop") if isinstance(step.get("loop"), list) else step.get("parallel")
        own = {key: value for key, value in step.items() if key not in ("loop", "parallel")}
        missing = template_names(own) - known
        assert not missing, f"{label}: {sorted(missing)} used before they are set"
        if isinstance(nested, list):
            known = check_flow_variables(label, nested, known)
        known = known | captured_names(step)
    return known


def test_artillery_variables_are_set_before_use(artillery):
    known = BUILTIN_VARIABLES | set(artillery["config"].get("variables", {}))
    if "before" in artillery:
        known = check_flow_variables("before", artillery["before"]["flow"], known)
    for scenario in artillery["scenarios"]:
        label = scenario.get("name", "?")
        # The Socket.IO engine templates its connection options before the first step.
        missing = template_names(scenario.get("socketio", {})) - known
        assert not missing, f"{label}: socketio options use {sorted(missing)} before they are set"
        check_flow_variables(label, scenario["flow"], known)


# --- ECS task definition -----------------------------------------------------------------------------------------

REQUIRED_SECRETS = {"JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET", "INTERNAL_SECRET", "MONGO_URI", "REDIS_URL",
                    "VAPID_PRIVATE_KEY"}


@pytest.fixture(scope="module")
def taskdef():
    with open(TASKDEF, encoding="utf-8") as handle:
        return json.load(handle)


@pytest.fixture(scope="module")
def container(taskdef):
    # Named after the service: the gateway's load balancer and infra/terraform refer to the container by it.
    containers = {c["name"]: c for c in taskdef["containerDefinitions"]}
    assert list(containers) == ["__SERVICE__"], f"one container, named __SERVICE__: {list(containers)}"
    return containers["__SERVICE__"]


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def test_taskdef_is_fargate_awsvpc(taskdef):
    for key in ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn",
                "taskRoleArn", "containerDefinitions"):
        assert key in taskdef, f"missing {key}"
    assert taskdef["networkMode"] == "awsvpc"
    assert taskdef["requiresCompatibilities"] == ["FARGATE"]


def test_taskdef_container(taskdef, container):
    assert container["command"] == ["serve", "--service", "__SERVICE__"]
    assert any(m["containerPort"] == 8080 for m in container["portMappings"]), "no port mapping for 8080"
    assert container["readonlyRootFilesystem"] is True
    assert container.get("essential", True) is True
    volumes = {v["name"] for v in taskdef.get("volumes", [])}
    mounts = {m["containerPath"]: m["sourceVolume"] for m in container.get("mountPoints", [])}
    assert "/tmp" in mounts, "a read-only root file system needs a writable /tmp"
    assert set(mounts.values()) <= volumes, "a mount point names an undefined volume"
    assert container["logConfiguration"]["logDriver"] == "awslogs"
    options = container["logConfiguration"]["options"]
    assert {"awslogs-group", "awslogs-region", "awslogs-stream-prefix"} <= set(options)
    check = container["healthCheck"]["command"]
    assert check[0] in ("CMD", "CMD-SHELL") and "curl" in " ".join(check) and "/healthz" in " ".join(check)


def test_taskdef_environment(container):
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment.get("HOST") == "0.0.0.0"
    assert environment.get("PORT") == "8080"
    assert environment.get("PARLEY_ENV") == "production"
    leaked = REQUIRED_SECRETS & set(environment)
    assert not leaked, f"secrets in plain environment: {sorted(leaked)}"


def test_taskdef_secrets_by_reference(container):
    secrets = container["secrets"]
    for secret in secrets:
        assert set(secret) == {"name", "valueFrom"}, f"{secret.get('name')}: a secret is a name and a valueFrom"
        reference = secret["valueFrom"]
        assert reference.startswith("arn:aws:") or PLACEHOLDER.match(reference), f"{secret['name']}: not an ARN"
    names = [secret["name"] for secret in secrets]
    assert len(names) == len(set(names)), "a secret is listed twice"
    assert REQUIRED_SECRETS <= set(names), f"missing secrets: {sorted(REQUIRED_SECRETS - set(names))}"


def deploy_substitutions():
    """The placeholders the deploy workflow fills: the __NAME__ keys of the jq object in its render step."""
    workflow = load_yaml(DEPLOY_WORKFLOW)
    names = set()
    render_steps = 0
    for job in workflow["jobs"].values():
        for step in job.get("steps", []):
            script = step.get("run", "")
            if "ecs-taskdef.json" in script:
                render_steps += 1
                names |= set(re.findall(r'"(__[A-Z][A-Z0-9_]*__)"\s*:', script))
    assert render_steps, "no step of the deploy workflow renders infra/ecs-taskdef.json"
    return names


def test_taskdef_placeholders_are_well_formed(taskdef):
    for text in strings(taskdef):
        for match in PLACEHOLDER_LIKE.finditer(text):
            assert PLACEHOLDER.fullmatch(match.group(0)), f"placeholder not in __NAME__ form: {match.group(0)!r}"


def test_taskdef_placeholders_are_the_ones_the_workflow_fills(taskdef):
    used = {match for text in strings(taskdef) for match in PLACEHOLDER.findall(text)}
    filled = deploy_substitutions()
    assert used - filled == set(), f"placeholders the deploy workflow leaves: {sorted(used - filled)}"
    assert filled - used == set(), f"substitutions with no placeholder: {sorted(filled - used)}"


def test_taskdef_image_and_service_are_placeholders(taskdef, container):
    assert container["image"] == "__IMAGE__"
    assert "__SERVICE__" in taskdef["family"]


# --- Compose -----------------------------------------------------------------------------------------------------

CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}


@pytest.fixture(scope="module")
def compose():
    return load_yaml(COMPOSE)


def is_one_shot(name, service, services):
    """A one-shot runs to completion once: never restarted, and waited for with service_completed_successfully."""
    if str(service.get("restart", "no")) != "no":
        return False
    return any(
        isinstance(other.get("depends_on"), dict)
        and other["depends_on"].get(name, {}).get("condition") == "service_completed_successfully"
        for other in services.values()
    )


def test_compose_services_have_healthchecks(compose):
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck") or {}
        healthy = bool(check.get("test")) and not check.get("disable", False)
        assert healthy or is_one_shot(name, service, services), f"{name}: no healthcheck and not a one-shot"


def test_compose_depends_on_existing_services_with_conditions(compose):
    services = compose["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must be a mapping with conditions"
        for dependency, spec in depends.items():
            assert dependency in services, f"{name}: depends on unknown service {dependency}"
            assert dependency != name, f"{name}: depends on itself"
            assert (spec or {}).get("condition") in CONDITIONS, f"{name} -> {dependency}: no valid condition"
            if spec["condition"] == "service_healthy":
                assert services[dependency].get("healthcheck"), f"{name} waits for {dependency}'s health: none"


def test_compose_gateway_urls_name_services(compose):
    services = compose["services"]
    environment = services["gateway"]["environment"]
    assert isinstance(environment, dict), "gateway environment must be a mapping"
    for variable, service in SERVICE_URL_VARS.items():
        assert variable in environment, f"gateway lacks {variable}"
        host = re.match(r"^https?://([^:/]+)", environment[variable])
        assert host and host.group(1) in services, f"{variable} names no service: {environment[variable]}"
        assert host.group(1) == service, f"{variable} points at {host.group(1)}"
        assert service in services["gateway"]["depends_on"], f"gateway does not wait for {service}"


def test_compose_keeps_media_with_the_media_service(compose):
    # The gateway streams embedded uploads through to the media service, which keeps them: the gateway holds no data.
    services = compose["services"]
    assert not services["gateway"].get("volumes"), "the gateway keeps no data"
    assert any(str(v).startswith("media-data:") for v in services["media"].get("volumes", [])), "media keeps no volume"


def test_compose_one_image_for_every_service(compose):
    services = compose["services"]
    parley = {}
    for name, service in services.items():
        command = service.get("command")
        if isinstance(command, list) and command[:2] == ["serve", "--service"]:
            parley[name] = service
            assert command[2] == name, f"{name} runs service {command[2]}"
    assert set(parley) == DEPLOYABLES, f"one container per deployable: {sorted(parley)}"
    images = {service.get("image") for service in parley.values()}
    assert len(images) == 1 and None not in images, f"one image name for all: {images}"
    builders = [name for name, service in parley.items() if "build" in service]
    assert len(builders) == 1, f"exactly one service builds the image: {builders}"
    for service in parley.values():
        environment = service["environment"]
        for key in ("MONGO_URI", "REDIS_URL", "JWT_ACCESS_SECRET", "JWT_REFRESH_SECRET", "INTERNAL_SECRET"):
            assert environment.get(key), f"{key} missing from a Parley service"


def test_compose_named_volumes_exist(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source")
            if source and not source.startswith((".", "/", "~")):
                assert source in declared, f"{name}: volume {source} is not declared"


# --- Workflows ---------------------------------------------------------------------------------------------------

def test_workflow_actions_are_pinned():
    pinned = re.compile(r"^[\w.-]+/[\w./-]+@(v\d+\.\d+\.\d+|[0-9a-f]{40})$")
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job in load_yaml(path)["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    assert pinned.match(step["uses"]), f"{path.name}: {step['uses']} is not an exact version or SHA"


def test_deploy_matrix_covers_every_deployable():
    workflow = load_yaml(DEPLOY_WORKFLOW)
    environments = {}
    for name, job in workflow["jobs"].items():
        matrix = job.get("strategy", {}).get("matrix")
        if not matrix:
            continue
        services = set(matrix.get("service", [])) | {entry["service"] for entry in matrix.get("include", [])}
        assert services == DEPLOYABLES, f"{name}: deploys {sorted(services)}"
        environment = job["environment"]["name"] if isinstance(job["environment"], dict) else job["environment"]
        environments[environment] = job
        deploy = [s for s in job["steps"] if s.get("uses", "").startswith("aws-actions/amazon-ecs-deploy-task")]
        assert deploy and deploy[0]["with"].get("wait-for-service-stability") is True, f"{name}: no stable wait"
        assert "concurrency" in job, f"{name}: no concurrency group"
    assert set(environments) == {"dev", "staging", "prod"}
    assert "deploy-staging" in str(environments["prod"]["needs"]), "prod must come after staging"


def test_workflows_use_oidc_not_keys():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        text = path.read_text(encoding="utf-8")
        assert "aws-access-key-id" not in text and "AWS_SECRET_ACCESS_KEY" not in text, f"{path.name}: static keys"
        workflow = load_yaml(path)
        if "configure-aws-credentials" in text:
            assert workflow["permissions"].get("id-token") == "write", f"{path.name}: OIDC needs id-token: write"


def test_ci_runs_the_test_command():
    workflow = load_yaml(WORKFLOWS / "ci.yml")
    triggers = workflow_triggers(workflow)
    assert "push" in triggers and "pull_request" in triggers
    assert workflow["permissions"] == {"contents": "read"}
    runs = [step.get("run", "") for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(run.strip() == "bash .ci/run" for run in runs), "ci.yml must run bash .ci/run"
