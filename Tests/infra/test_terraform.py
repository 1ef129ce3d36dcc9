"""Offline checks of infra/terraform (no terraform binary, no network): every file parses, and the module
calls, references, environments and provider pins are consistent, much as `terraform validate` would find.

Each check is a function that returns a list of problems; the tests assert the real tree has none, and
`test_check_catches_broken_tree` breaks a copy of the tree in one way per check and asserts that the check
reports exactly that breakage, so that no check can pass vacuously.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import hcl2
import pytest
from hcl2.utils import SerializationOptions

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = Path(os.environ.get("PARLEY_TERRAFORM_DIR", REPO / "infra" / "terraform"))

EXPECTED_MODULES = {
    "vpc", "ecr", "elasticache", "s3_cloudfront", "s3_log_bucket", "secrets", "alb", "ecs",
    "security_groups", "route53", "observability", "waf", "mongodbatlas", "stack",
}
ENVIRONMENTS = ("dev", "staging", "prod")
BACKEND_SETTINGS = ("bucket", "key", "region", "dynamodb_table", "encrypt")
# Arguments of a module block that are Terraform's, not the module's variables.
MODULE_META_ARGUMENTS = {"source", "version", "providers", "count", "for_each", "depends_on"}

OPTIONS = SerializationOptions(strip_string_quotes=True, with_comments=False)

VAR_REF = re.compile(r"(?<![\w.])var\.([A-Za-z_][\w-]*)")
LOCAL_REF = re.compile(r"(?<![\w.])local\.([A-Za-z_][\w-]*)")
# module.NAME, optionally indexed (module.x[0], module.x[*], module.x["k"]), then .OUTPUT if any.
MODULE_REF = re.compile(r"(?<![\w.])module\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?(?:\.([A-Za-z_][\w-]*))?")
CHECKOV_SKIP = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?")
# Keys whose values are prose, not expressions: "var.x" in a description is not a reference.
PROSE_KEYS = {"description", "error_message"}

# The web app calls the API on its own origin: these paths of the web distribution go to the load balancer.
WEB_API_PATHS = ("/api/*", "/socket.io/*", "/media/*")
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}
# AWS managed policies, by data source name or by id.
CACHING_DISABLED = {"Managed-CachingDisabled", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}
ALL_VIEWER_EXCEPT_HOST = {"Managed-AllViewerExceptHostHeader", "b689b0a8-53d0-40ab-baf2-68738e2966ac"}
DATA_ID_REF = re.compile(r"^\$\{data\.([\w-]+)\.([\w-]+)\.id\}$")


# --- Loading ---------------------------------------------------------------------------------------------------


@dataclass
class Directory:
    """The blocks of one Terraform directory (a root or a module), all of its .tf files merged."""

    path: Path
    files: dict[Path, dict[str, Any]] = field(default_factory=dict)

    def blocks(self, kind: str) -> Iterator[tuple[Path, Any]]:
        for path, parsed in self.files.items():
            for block in parsed.get(kind, []):
                yield path, block

    def labelled(self, kind: str) -> dict[str, dict[str, Any]]:
        """Blocks with one label (variable, output, module), by label."""
        found: dict[str, dict[str, Any]] = {}
        for _, block in self.blocks(kind):
            for label, body in block.items():
                if not label.startswith("__"):
                    found[label] = body
        return found

    @property
    def variables(self) -> dict[str, dict[str, Any]]:
        return self.labelled("variable")

    @property
    def outputs(self) -> dict[str, dict[str, Any]]:
        return self.labelled("output")

    @property
    def modules(self) -> dict[str, dict[str, Any]]:
        return self.labelled("module")

    @property
    def locals(self) -> set[str]:
        return {name for _, block in self.blocks("locals") for name in block if not name.startswith("__")}

    @property
    def terraform_blocks(self) -> list[dict[str, Any]]:
        return [block for _, block in self.blocks("terraform")]

    def rel(self, root: Path) -> str:
        return str(self.path.relative_to(root)) or "."


@dataclass
class Tree:
    root: Path
    directories: dict[Path, Directory]
    parse_errors: list[str]

    def directory(self, path: Path) -> Directory | None:
        return self.directories.get(path.resolve())


# Parsed files by content: the broken copies reparse only the file that was broken (the parser is slow).
_parsed: dict[str, dict[str, Any]] = {}


def parse(text: str) -> dict[str, Any]:
    if text not in _parsed:
        _parsed[text] = hcl2.loads(text, serialization_options=OPTIONS)
    return _parsed[text]


def load_tree(root: Path) -> Tree:
    directories: dict[Path, Directory] = {}
    errors: list[str] = []
    for path in sorted(root.rglob("*.tf")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # .terraform/ and the like
        try:
            parsed = parse(path.read_text())
        except Exception as error:  # the parser raises several types; all of them mean "does not parse"
            errors.append(f"{path.relative_to(root)}: {type(error).__name__}: {str(error).splitlines()[0]}")
            continue
        directory = directories.setdefault(path.parent.resolve(), Directory(path.parent.resolve()))
        directory.files[path] = parsed
    return Tree(root.resolve(), directories, errors)


def strings(node: Any, key: str | None = None) -> Iterator[str]:
    """Every expression string in a parsed block (dict keys too), prose attributes left out."""
    if key in PROSE_KEYS or (key or "").startswith("__"):
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            if not k.startswith("__"):
                yield k
            yield from strings(v, k)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item, key)


def module_target(tree: Tree, directory: Directory, call: dict[str, Any]) -> Directory | None:
    source = call.get("source")
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return None
    return tree.directory(directory.path / source)


def unwrap(expression: str) -> str:
    """`${aws.us_east_1}` -> `aws.us_east_1`."""
    match = re.fullmatch(r"\$\{(.*)\}", expression.strip())
    return match.group(1).strip() if match else expression.strip()


# --- Checks ----------------------------------------------------------------------------------------------------


def check_parse(tree: Tree) -> list[str]:
    return list(tree.parse_errors)


def check_module_sources(tree: Tree) -> list[str]:
    problems = []
    for directory in tree.directories.values():
        for name, call in directory.modules.items():
            source = call.get("source")
            where = f"{directory.rel(tree.root)}: module {name}"
            if not isinstance(source, str) or not source.startswith(("./", "../")):
                problems.append(f"{where}: source {source!r} is not a local path (the checks run offline)")
            elif module_target(tree, directory, call) is None:
                problems.append(f"{where}: source {source} has no .tf files")
    return problems


def check_module_arguments(tree: Tree) -> list[str]:
    """Every argument a call passes is a variable of the module, and every variable without a default is passed."""
    problems = []
    for directory in tree.directories.values():
        for name, call in directory.modules.items():
            target = module_target(tree, directory, call)
            if target is None:
                continue
            where = f"{directory.rel(tree.root)}: module {name} ({call['source']})"
            passed = {k for k in call if not k.startswith("__") and k not in MODULE_META_ARGUMENTS}
            declared = target.variables
            for argument in sorted(passed - declared.keys()):
                problems.append(f"{where}: passes {argument}, which the module does not declare")
            for variable in sorted(v for v, body in declared.items() if "default" not in body):
                if variable not in passed:
                    problems.append(f"{where}: does not pass required variable {variable}")
    return problems


def check_module_providers(tree: Tree) -> list[str]:
    """A module that declares configuration_aliases must be handed those providers by every call."""
    problems = []
    for directory in tree.directories.values():
        for name, call in directory.modules.items():
            target = module_target(tree, directory, call)
            if target is None:
                continue
            wanted = set()
            for block in target.terraform_blocks:
                for providers in block.get("required_providers", []):
                    for provider, requirement in providers.items():
                        if isinstance(requirement, dict):
                            wanted |= {unwrap(a) for a in requirement.get("configuration_aliases", [])}
            given = {unwrap(k) for k in (call.get("providers") or {})}
            for alias in sorted(wanted - given):
                problems.append(f"{directory.rel(tree.root)}: module {name} does not pass provider {alias}")
    return problems


def check_module_references(tree: Tree) -> list[str]:
    """Every module.X.Y names a module call X of the same directory whose source declares output Y."""
    problems = []
    for directory in tree.directories.values():
        calls = directory.modules
        for path, parsed in directory.files.items():
            for text in strings(parsed):
                for module, output in MODULE_REF.findall(text):
                    where = f"{path.relative_to(tree.root)}: module.{module}{'.' + output if output else ''}"
                    if module not in calls:
                        problems.append(f"{where}: no module {module} in {directory.rel(tree.root)}")
                        continue
                    target = module_target(tree, directory, calls[module])
                    if output and target is not None and output not in target.outputs:
                        problems.append(f"{where}: {calls[module]['source']} has no output {output}")
    return sorted(set(problems))


def check_variable_references(tree: Tree) -> list[str]:
    problems = []
    for directory in tree.directories.values():
        declared = directory.variables
        for path, parsed in directory.files.items():
            for text in strings(parsed):
                for variable in VAR_REF.findall(text):
                    if variable not in declared:
                        problems.append(f"{path.relative_to(tree.root)}: var.{variable} is not declared")
    return sorted(set(problems))


def check_local_references(tree: Tree) -> list[str]:
    problems = []
    for directory in tree.directories.values():
        defined = directory.locals
        for path, parsed in directory.files.items():
            for text in strings(parsed):
                for name in LOCAL_REF.findall(text):
                    if name not in defined:
                        problems.append(f"{path.relative_to(tree.root)}: local.{name} is not defined")
    return sorted(set(problems))


def check_environments(tree: Tree) -> list[str]:
    problems = []
    for env in ENVIRONMENTS:
        path = tree.root / "envs" / env
        for file in ("main.tf", "variables.tf", "outputs.tf"):
            if not (path / file).is_file():
                problems.append(f"envs/{env}: {file} is missing")
        directory = tree.directory(path)
        backends = [
            backend
            for block in (directory.terraform_blocks if directory else [])
            for backend in block.get("backend", [])
            if "s3" in backend
        ]
        if len(backends) != 1:
            problems.append(f"envs/{env}: wants one backend \"s3\" block, has {len(backends)}")
            continue
        settings = backends[0]["s3"]
        for setting in BACKEND_SETTINGS:
            if setting not in settings:
                problems.append(f"envs/{env}: backend \"s3\" lacks {setting}")
        if settings.get("encrypt") is not True:
            problems.append(f"envs/{env}: backend \"s3\" must set encrypt = true")
        if f"/{env}/" not in f"/{settings.get('key', '')}":
            problems.append(f"envs/{env}: backend key {settings.get('key')!r} does not name the environment")
        if directory and "provider" not in {k for f in directory.files.values() for k in f}:
            problems.append(f"envs/{env}: configures no provider")
    return problems


def check_provider_pins(tree: Tree) -> list[str]:
    """Every directory pins Terraform and, with ~>, every provider its resources and data sources use."""
    problems = []
    for directory in tree.directories.values():
        where = directory.rel(tree.root)
        blocks = directory.terraform_blocks
        if not any("required_version" in block for block in blocks):
            problems.append(f"{where}: no required_version")
        required: dict[str, Any] = {}
        for block in blocks:
            for providers in block.get("required_providers", []):
                required.update({k: v for k, v in providers.items() if not k.startswith("__")})
        for provider, requirement in sorted(required.items()):
            if not isinstance(requirement, dict) or "source" not in requirement:
                problems.append(f"{where}: provider {provider} has no source")
            elif not str(requirement.get("version", "")).startswith("~>"):
                problems.append(f"{where}: provider {provider} is not pinned with ~> ({requirement.get('version')!r})")
        used = set()
        for kind in ("resource", "data"):
            for _, block in directory.blocks(kind):
                used |= {resource_type.split("_", 1)[0] for resource_type in block if not resource_type.startswith("__")}
        used -= {"terraform"}  # terraform_data and terraform_remote_state are built in
        for provider in sorted(used - required.keys()):
            problems.append(f"{where}: uses provider {provider} without requiring it")
    return problems


def check_documentation(tree: Tree) -> list[str]:
    """Variables are typed and described; outputs are described."""
    problems = []
    for directory in tree.directories.values():
        where = directory.rel(tree.root)
        for name, body in directory.variables.items():
            if "type" not in body:
                problems.append(f"{where}: variable {name} has no type")
            if not str(body.get("description", "")).strip():
                problems.append(f"{where}: variable {name} has no description")
        for name, body in directory.outputs.items():
            if not str(body.get("description", "")).strip():
                problems.append(f"{where}: output {name} has no description")
    return problems


def check_checkov_skips(tree: Tree) -> list[str]:
    """A checkov skip says why, in a sentence."""
    problems = []
    for path in sorted(tree.root.rglob("*.tf")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = CHECKOV_SKIP.search(line)
            if match and len((match.group(2) or "").strip()) < 20:
                problems.append(f"{path.relative_to(tree.root)}:{number}: {match.group(1)} skipped without a reason")
    return problems


def check_web_api_behaviors(tree: Tree) -> list[str]:
    """The web distribution sends /api/*, /socket.io/* and /media/* to a custom (non-S3) HTTPS origin, uncached,
    with every method and the viewer's headers but Host; and no distribution-wide error page turns the API's
    403s and 404s into the app's index.html (single-page routing is a function on the default behavior)."""
    module = "modules/s3_cloudfront"
    directory = tree.directory(tree.root / module)
    if directory is None:
        return [f"{module}: no .tf files"]
    resources: dict[str, dict[str, Any]] = {}
    data: dict[str, dict[str, Any]] = {}
    for kind, found in (("resource", resources), ("data", data)):
        for _, block in directory.blocks(kind):
            for resource_type, named in block.items():
                if not resource_type.startswith("__"):
                    found.update({f"{resource_type}.{n}": b for n, b in named.items() if not n.startswith("__")})
    web = resources.get("aws_cloudfront_distribution.web")
    if web is None:
        return [f"{module}: no aws_cloudfront_distribution.web"]
    where = f"{module}: aws_cloudfront_distribution.web"

    def managed_policy(value: Any) -> str:
        """A policy id attribute as the managed policy's name (data source) or its literal id."""
        match = DATA_ID_REF.match(str(value))
        if match:
            return str(data.get(f"{match.group(1)}.{match.group(2)}", {}).get("name"))
        return str(value)

    def is_s3(origin: dict[str, Any]) -> bool:
        return (
            "origin_access_control_id" in origin
            or "s3_origin_config" in origin
            or "custom_origin_config" not in origin
            or "aws_s3_bucket" in str(origin.get("domain_name"))
            or ".s3." in str(origin.get("domain_name"))
        )

    problems = []
    origins = {o.get("origin_id"): o for o in web.get("origin", [])}
    behaviors = web.get("ordered_cache_behavior", [])
    for path in WEB_API_PATHS:
        matching = [b for b in behaviors if b.get("path_pattern") == path]
        if not matching:
            problems.append(f"{where}: no ordered_cache_behavior for {path}")
            continue
        behavior = matching[0]
        target = behavior.get("target_origin_id")
        origin = origins.get(target)
        if origin is None:
            problems.append(f"{where}: {path} targets origin {target!r}, which the distribution does not have")
        elif is_s3(origin):
            problems.append(f"{where}: {path} targets origin {target!r}, an S3 origin, not the load balancer")
        else:
            config = (origin.get("custom_origin_config") or [{}])[0]
            if config.get("origin_protocol_policy") != "https-only" or config.get("origin_ssl_protocols") != ["TLSv1.2"]:
                problems.append(f"{where}: origin {target!r} of {path} is not https-only with TLSv1.2")
        if set(behavior.get("allowed_methods", [])) != ALL_METHODS:
            problems.append(f"{where}: {path} does not allow every method ({behavior.get('allowed_methods')})")
        if behavior.get("viewer_protocol_policy") != "redirect-to-https":
            problems.append(f"{where}: {path} does not redirect to HTTPS")
        if behavior.get("compress") is not True:
            problems.append(f"{where}: {path} does not compress")
        if managed_policy(behavior.get("cache_policy_id")) not in CACHING_DISABLED:
            problems.append(f"{where}: {path} is cached (cache policy is not Managed-CachingDisabled)")
        if managed_policy(behavior.get("origin_request_policy_id")) not in ALL_VIEWER_EXCEPT_HOST:
            problems.append(f"{where}: {path} does not forward the viewer's request (not Managed-AllViewerExceptHostHeader)")
        if "response_headers_policy_id" not in behavior:
            problems.append(f"{where}: {path} has no response headers policy")
        if len(matching) > 1:
            problems.append(f"{where}: {path} has {len(matching)} behaviors (CloudFront uses the first)")
    for response in web.get("custom_error_response", []):
        if response.get("response_page_path"):
            problems.append(
                f"{where}: custom_error_response {response.get('error_code')} -> {response.get('response_page_path')} "
                "applies to every behavior and would turn the API's errors into the app's page"
            )
    default = (web.get("default_cache_behavior") or [{}])[0]
    if not any(f.get("event_type") == "viewer-request" for f in default.get("function_association", [])):
        problems.append(f"{where}: the default behavior has no viewer-request function (single-page app routing)")
    return problems


CHECKS: dict[str, Callable[[Tree], list[str]]] = {
    "parse": check_parse,
    "module_sources": check_module_sources,
    "module_arguments": check_module_arguments,
    "module_providers": check_module_providers,
    "module_references": check_module_references,
    "variable_references": check_variable_references,
    "local_references": check_local_references,
    "environments": check_environments,
    "provider_pins": check_provider_pins,
    "documentation": check_documentation,
    "checkov_skips": check_checkov_skips,
    "web_api_behaviors": check_web_api_behaviors,
}


# --- The real tree ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tree() -> Tree:
    assert TERRAFORM.is_dir(), f"{TERRAFORM} is missing"
    return load_tree(TERRAFORM)


def test_tree_has_every_module_and_environment(tree: Tree) -> None:
    modules = {p.name for p in (TERRAFORM / "modules").iterdir() if tree.directory(p)}
    assert EXPECTED_MODULES <= modules, f"missing modules: {sorted(EXPECTED_MODULES - modules)}"
    for env in ENVIRONMENTS:
        assert tree.directory(TERRAFORM / "envs" / env), f"envs/{env} has no .tf file"


def test_every_module_has_main_variables_outputs() -> None:
    for name in sorted(EXPECTED_MODULES):
        for file in ("main.tf", "variables.tf", "outputs.tf"):
            assert (TERRAFORM / "modules" / name / file).is_file(), f"modules/{name}/{file} is missing"


def test_references_are_not_vacuous(tree: Tree) -> None:
    """The reference checks only mean something if the walk finds references at all."""
    texts = [t for d in tree.directories.values() for f in d.files.values() for t in strings(f)]
    assert sum(len(MODULE_REF.findall(t)) for t in texts) > 50
    assert sum(len(VAR_REF.findall(t)) for t in texts) > 200
    assert sum(len(d.modules) for d in tree.directories.values()) >= 18


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check_passes(tree: Tree, name: str) -> None:
    problems = CHECKS[name](tree)
    assert not problems, "\n".join(problems)


def test_every_tf_file_parsed(tree: Tree) -> None:
    parsed = sum(len(d.files) for d in tree.directories.values())
    assert parsed == len([p for p in TERRAFORM.rglob("*.tf") if ".terraform" not in p.parts]) and parsed >= 45


# --- Each check on a broken copy ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Breakage:
    check: str
    file: str  # relative to infra/terraform
    old: str | None  # text replaced (must be present); None deletes the file
    new: str
    expected: str  # a fragment of the problem the check must report


SOCKET_IO_BEHAVIOR = """  ordered_cache_behavior {
    path_pattern               = "/socket.io/*"
    target_origin_id           = "api"
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id   = data.aws_cloudfront_origin_request_policy.all_viewer_except_host.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.web.id
  }
"""

BREAKAGES = {
    "syntax_error": Breakage("parse", "modules/vpc/main.tf", 'resource "aws_vpc" "this" {', 'resource "aws_vpc" "this" {{', "modules/vpc/main.tf"),
    "missing_source": Breakage("module_sources", "modules/stack/main.tf", 'source = "../vpc"', 'source = "../vpcs"', "module vpc: source ../vpcs"),
    "registry_source": Breakage("module_sources", "modules/stack/main.tf", 'source = "../ecr"', 'source = "terraform-aws-modules/ecr/aws"', "not a local path"),
    "unknown_argument": Breakage("module_arguments", "modules/stack/main.tf", "  single_nat_gateway      = var.single_nat_gateway\n", "  single_nat_gateway      = var.single_nat_gateway\n  nat_gateways = 2\n", "passes nat_gateways"),
    "required_not_passed": Breakage("module_arguments", "modules/stack/main.tf", "  cidr_block              = var.vpc_cidr\n", "", "does not pass required variable cidr_block"),
    "required_not_passed_by_env": Breakage("module_arguments", "envs/staging/main.tf", '  image_tag        = var.image_tag\n', "", "envs/staging: module parley (../../modules/stack): does not pass required variable image_tag"),
    "provider_alias_not_passed": Breakage("module_providers", "modules/stack/main.tf", "    aws.us_east_1 = aws.us_east_1\n", "", "module cdn does not pass provider aws.us_east_1"),
    "unknown_output": Breakage("module_references", "modules/stack/main.tf", "module.vpc.private_subnet_ids", "module.vpc.private_subnets", "has no output private_subnets"),
    "unknown_module": Breakage("module_references", "envs/prod/outputs.tf", "module.parley.alb_dns_name", "module.stack.alb_dns_name", "no module stack"),
    "indexed_unknown_output": Breakage("module_references", "modules/stack/main.tf", "module.atlas[*].connection_string", "module.atlas[*].uri", "has no output uri"),
    "undeclared_variable": Breakage("variable_references", "modules/vpc/main.tf", "cidrsubnet(var.cidr_block, 4, count.index)", "cidrsubnet(var.cidr, 4, count.index)", "var.cidr is not declared"),
    "undefined_local": Breakage("local_references", "modules/ecs/main.tf", "local.private_services", "local.internal_services", "local.internal_services is not defined"),
    "env_without_outputs": Breakage("environments", "envs/dev/outputs.tf", None, "", "envs/dev: outputs.tf is missing"),
    "env_without_backend": Breakage("environments", "envs/prod/main.tf", 'backend "s3" {', 'backend "local" {', 'envs/prod: wants one backend "s3" block, has 0'),
    "backend_unencrypted": Breakage("environments", "envs/dev/main.tf", "encrypt        = true", "encrypt        = false", "encrypt = true"),
    "backend_without_lock_table": Breakage("environments", "envs/staging/main.tf", '    dynamodb_table = "parley-terraform-locks"\n', "", "lacks dynamodb_table"),
    "provider_unpinned": Breakage("provider_pins", "modules/ecr/versions.tf", 'version = "~> 5.80"', 'version = ">= 5.0"', "provider aws is not pinned"),
    "no_required_version": Breakage("provider_pins", "modules/ecr/versions.tf", 'required_version = ">= 1.6.0, < 2.0.0"', "", "modules/ecr: no required_version"),
    "provider_not_required": Breakage("provider_pins", "modules/secrets/versions.tf", 'random = {\n      source  = "hashicorp/random"\n      version = "~> 3.6"\n    }\n', "", "uses provider random without requiring it"),
    "untyped_variable": Breakage("documentation", "modules/ecr/variables.tf", "  type        = number\n  default     = 30\n", "  default     = 30\n", "variable keep_last_images has no type"),
    "undocumented_output": Breakage("documentation", "modules/ecr/outputs.tf", '  description = "The key that encrypts the images."\n', "", "output kms_key_arn has no description"),
    "web_api_behavior_removed": Breakage("web_api_behaviors", "modules/s3_cloudfront/main.tf", SOCKET_IO_BEHAVIOR, "", "no ordered_cache_behavior for /socket.io/*"),
    "web_api_behavior_on_s3": Breakage("web_api_behaviors", "modules/s3_cloudfront/main.tf", '    path_pattern               = "/media/*"\n    target_origin_id           = "api"\n', '    path_pattern               = "/media/*"\n    target_origin_id           = "web"\n', "/media/* targets origin 'web', an S3 origin"),
    # The first behavior that names the CachingDisabled policy is /api/*'s.
    "web_api_behavior_cached": Breakage("web_api_behaviors", "modules/s3_cloudfront/main.tf", "cache_policy_id            = data.aws_cloudfront_cache_policy.disabled.id", "cache_policy_id            = data.aws_cloudfront_cache_policy.optimized.id", "/api/* is cached"),
    "spa_error_page_swallows_api_errors": Breakage("web_api_behaviors", "modules/s3_cloudfront/main.tf", "  restrictions {\n    geo_restriction {\n      restriction_type = \"none\"\n    }\n  }\n", "  custom_error_response {\n    error_code         = 404\n    response_code      = 200\n    response_page_path = \"/index.html\"\n  }\n\n  restrictions {\n    geo_restriction {\n      restriction_type = \"none\"\n    }\n  }\n", "custom_error_response 404 -> /index.html"),
    "skip_without_reason": Breakage("checkov_skips", "modules/ecr/main.tf", "resource \"aws_ecr_repository\" \"this\" {\n", "resource \"aws_ecr_repository\" \"this\" {\n  #checkov:skip=CKV_AWS_136\n", "CKV_AWS_136 skipped without a reason"),
}


@pytest.mark.parametrize("name", sorted(BREAKAGES))
def test_check_catches_broken_tree(tmp_path: Path, name: str) -> None:
    breakage = BREAKAGES[name]
    copy = tmp_path / "terraform"
    shutil.copytree(TERRAFORM, copy, ignore=shutil.ignore_patterns(".terraform", ".terraform.lock.hcl"))
    target = copy / breakage.file
    if breakage.old is None:
        target.unlink()
    else:
        text = target.read_text()
        assert breakage.old in text, f"{breakage.file} no longer contains {breakage.old!r}: update the breakage"
        target.write_text(text.replace(breakage.old, breakage.new, 1))

    problems = CHECKS[breakage.check](load_tree(copy))

    assert any(breakage.expected in p for p in problems), f"{breakage.check} missed {name}: {problems}"
    # The same check on the untouched tree is clean (test_check_passes), so what it reports here is the breakage.
