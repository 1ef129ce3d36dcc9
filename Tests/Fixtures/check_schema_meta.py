#!/usr/bin/env python3
"""Checks schema folders against schema/parley.schema.json (the JSON Schema of docs/schema.md).

Usage: python3 Tests/Fixtures/check_schema_meta.py schema [Tests/Fixtures/schema ...] [--meta PATH]

For every folder: each .json file (except parley.schema.json) must parse without duplicate keys, carry
"$schema", and validate against the meta schema (Draft 2020-12); the entry file parley.json must list
exactly the other files in "include". A few cross-file rules the meta schema cannot express are checked
too (names resolve and are unique, path parameters match the path, no two routes of a service share a
method and path shape, scalar-only parameters, object-only bodies). The generator remains the authority;
this is a fast check without a Swift build.

Then a self-test makes sure the meta schema rejects known-bad documents (unknown key in a field, wrong
type for minLength, route without method, ...).

Exits 1 and prints "file: $.json.path: message" for every problem.
"""
import json
import re
import sys
from pathlib import Path

try:
    from jsonschema import Draft202012Validator
except ImportError:  # pragma: no cover
    sys.exit("check_schema_meta.py needs the jsonschema package (pip install jsonschema)")

REPO = Path(__file__).resolve().parents[2]
DEFAULT_META = REPO / "schema" / "parley.schema.json"
META_NAME = "parley.schema.json"
ENTRY_NAME = "parley.json"

BUILTIN = {"string", "integer", "number", "boolean", "objectId", "dateTime", "email", "url", "json", "array"}
SCALAR_BUILTIN = {"string", "integer", "number", "boolean", "objectId", "dateTime", "email", "url"}


class DuplicateKey(Exception):
    pass


def _no_duplicates(pairs):
    obj = {}
    for key, value in pairs:
        if key in obj:
            raise DuplicateKey(key)
        obj[key] = value
    return obj


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=_no_duplicates)


def json_path(parts):
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", p):
            out += "." + p
        else:
            out += "[" + json.dumps(p) + "]"
    return out


def make_validator(meta_path):
    meta = load_json(meta_path)
    Draft202012Validator.check_schema(meta)
    return Draft202012Validator(meta, format_checker=Draft202012Validator.FORMAT_CHECKER)


def meta_errors(validator, doc):
    """(json path, message) of every meta-schema violation, deepest first within a path."""
    out = []
    for err in validator.iter_errors(doc):
        out.append((json_path(err.absolute_path), err.message))
    return sorted(set(out))


# --- cross-file rules -------------------------------------------------------------------------------


def upper_camel(name):
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    return "".join(p[:1].upper() + p[1:] for p in parts)


class Semantics:
    def __init__(self):
        self.problems = []  # (file, path, message)
        self.types = {}  # name -> ("object"|"enum", file, path)
        self.services = {}
        self.client_events = {}
        self.server_events = {}
        self.schemes = set()
        self.refs = []  # (file, path, type name, context)
        self.pending_fields = []  # (file, path, field, context)

    def problem(self, file, path, msg):
        self.problems.append((file, path, msg))

    def declare(self, table, kind, name, file, path, value=None):
        if name in table:
            first = table[name]
            self.problem(file, path, f"{kind} '{name}' is declared twice (first in {first[1]} {first[2]})")
            return
        table[name] = (value, file, path)

    def collect(self, file, doc):
        if not isinstance(doc, dict):
            return
        for name, decl in (doc.get("types") or {}).items():
            kind = "enum" if isinstance(decl, dict) and "enum" in decl else "object"
            self.declare(self.types, "type", name, file, f"$.types.{name}", kind)
            if kind == "object" and isinstance(decl, dict):
                self.walk_properties(file, f"$.types.{name}.properties", decl.get("properties") or {})
        for sname, service in (doc.get("services") or {}).items():
            self.declare(self.services, "service", sname, file, f"$.services.{sname}", service)
        events = doc.get("events") or {}
        for ename, event in (events.get("clientToServer") or {}).items():
            self.declare(self.client_events, "client event", ename, file, f"$.events.clientToServer[{json.dumps(ename)}]", event)
        for ename, event in (events.get("serverToClient") or {}).items():
            self.declare(self.server_events, "server event", ename, file, f"$.events.serverToClient[{json.dumps(ename)}]", event)

    def walk_properties(self, file, path, props):
        for pname, field in props.items():
            self.walk_field(file, f"{path}.{pname}", field, "property")

    def walk_field(self, file, path, field, context):
        self.pending_fields.append((file, path, field, context))
        if isinstance(field, dict) and field.get("type") == "array" and "items" in field:
            self.walk_field(file, path + ".items", field["items"], "items")

    def inline(self, file, path, ref, derived_name):
        """An objectRef: a declared type name, or an inline object hoisted under derived_name."""
        if isinstance(ref, str):
            self.refs.append((file, path, ref, "object"))
        elif isinstance(ref, dict):
            self.declare(self.types, "type", derived_name, file, path + " (inline)", "object")
            self.walk_properties(file, path + ".properties", ref.get("properties") or {})

    def check(self, entry):
        self.schemes = set((entry.get("security") or {}).keys())
        for sname, (service, file, spath) in self.services.items():
            self.check_service(sname, service, file, spath)
        for table, direction in ((self.client_events, "clientToServer"), (self.server_events, "serverToClient")):
            for ename, (event, file, epath) in table.items():
                self.inline(file, epath + ".payload", event.get("payload"), upper_camel(ename) + "Payload")
                if "ack" in event:
                    self.inline(file, epath + ".ack", event["ack"], upper_camel(ename) + "Ack")
        # Fields: named types must exist.
        for file, path, field, context in self.pending_fields:
            tname = field if isinstance(field, str) else field.get("type") if isinstance(field, dict) else None
            if not isinstance(tname, str):
                continue
            if tname not in BUILTIN:
                self.refs.append((file, path, tname, "scalar" if context in ("param", "query", "cookie") else "any"))
            if isinstance(field, dict):
                self.check_default(file, path, field)
        for file, path, name, context in self.refs:
            if name in BUILTIN and context == "object":
                self.problem(file, path, f"'{name}' is a built-in type; a body, response, payload or ack needs an object type")
                continue
            decl = self.types.get(name)
            if decl is None:
                self.problem(file, path, f"unknown type '{name}'")
            elif context == "object" and decl[0] != "object":
                self.problem(file, path, f"'{name}' is an enumeration; an object type is needed here")
            elif context == "scalar" and decl[0] != "enum":
                self.problem(file, path, f"'{name}' is an object; parameters and cookies take scalar types or enumerations")

    def check_default(self, file, path, field):
        if "default" not in field:
            return
        d = field["default"]
        if "enum" in field and d not in field["enum"]:
            self.problem(file, path, f"default {d!r} is not one of the enum values")
        if isinstance(d, (int, float)) and not isinstance(d, bool):
            if "minimum" in field and d < field["minimum"]:
                self.problem(file, path, f"default {d} is below minimum {field['minimum']}")
            if "maximum" in field and d > field["maximum"]:
                self.problem(file, path, f"default {d} is above maximum {field['maximum']}")
        if isinstance(d, str):
            if "maxLength" in field and len(d) > field["maxLength"]:
                self.problem(file, path, f"default is longer than maxLength {field['maxLength']}")
            if "minLength" in field and len(d) < field["minLength"]:
                self.problem(file, path, f"default is shorter than minLength {field['minLength']}")

    def check_auth(self, file, path, auth):
        if auth is not None and auth != "none" and auth not in self.schemes:
            self.problem(file, path, f"unknown security scheme '{auth}'")

    def check_service(self, sname, service, file, spath):
        self.check_auth(file, spath + ".auth", service.get("auth"))
        shapes = {}
        for rname, route in (service.get("routes") or {}).items():
            rpath = f"{spath}.routes.{rname}"
            self.check_auth(file, rpath + ".auth", route.get("auth"))
            path = route.get("path", "")
            segments = [s[1:] for s in path.split("/") if s.startswith(":")]
            declared = list((route.get("params") or {}).keys())
            if len(set(segments)) != len(segments):
                self.problem(file, rpath + ".path", "a path parameter appears twice")
            if set(segments) != set(declared):
                self.problem(file, rpath + ".params",
                             f"params {sorted(declared)} must name exactly the path's parameters {sorted(segments)}")
            shape = (route.get("method"), re.sub(r":[A-Za-z0-9]+", ":", path))
            if shape in shapes:
                self.problem(file, rpath, f"same method and path shape as route '{shapes[shape]}'")
            shapes[shape] = rname
            for key, context in (("params", "param"), ("query", "query"), ("cookies", "cookie")):
                for name, field in (route.get(key) or {}).items():
                    self.walk_field(file, f"{rpath}.{key}.{name}", field, context)
            base = upper_camel(sname) + upper_camel(rname)
            if "body" in route:
                self.inline(file, rpath + ".body", route["body"], base + "Body")
            self.inline(file, rpath + ".response", route.get("response"), base + "Response")
            for cookie in route.get("setsCookies") or []:
                pass  # documentation only


def check_folder(folder, validator):
    folder = Path(folder)
    problems = []  # (file, path, message)
    files = sorted(p for p in folder.rglob("*.json") if p.name != META_NAME)
    if not (folder / ENTRY_NAME).is_file():
        return [(str(folder), "$", f"no entry file {ENTRY_NAME}")]
    docs = {}
    for path in files:
        rel = path.relative_to(folder).as_posix()
        shown = str(path)
        try:
            doc = load_json(path)
        except DuplicateKey as e:
            problems.append((shown, "$", f"duplicate key {e}"))
            continue
        except ValueError as e:
            problems.append((shown, "$", f"not valid JSON: {e}"))
            continue
        docs[rel] = doc
        if isinstance(doc, dict) and "$schema" not in doc:
            problems.append((shown, "$", "missing \"$schema\" (should point at parley.schema.json)"))
        for jpath, message in meta_errors(validator, doc):
            problems.append((shown, jpath, message))
        is_entry = rel == ENTRY_NAME
        if isinstance(doc, dict) and is_entry != ("info" in doc):
            problems.append((shown, "$", "only parley.json is an entry file (info, security, include)"))
    if problems:
        return problems

    entry = docs[ENTRY_NAME]
    included = entry.get("include") or []
    for name in included:
        if name not in docs:
            problems.append((str(folder / ENTRY_NAME), "$.include", f"'{name}' does not exist"))
    for rel in docs:
        if rel != ENTRY_NAME and rel not in included:
            problems.append((str(folder / rel), "$", f"not listed in {ENTRY_NAME} include"))

    sem = Semantics()
    for name in included:
        if name in docs:
            sem.collect(str(folder / name), docs[name])
    sem.check(entry)
    problems.extend(sem.problems)
    return problems


# --- self-test: the meta schema must reject these -------------------------------------------------

def _route(**over):
    route = {"method": "GET", "path": "/", "response": "R"}
    route.update(over)
    return {"services": {"s": {"basePath": "/api/s", "routes": {"r": route}}}}


def _prop(field):
    return {"types": {"T": {"properties": {"f": field}}}}


BAD_EXAMPLES = {
    "unknown key in a field": _prop({"type": "string", "minLenght": 1}),
    "wrong type for minLength": _prop({"type": "string", "minLength": "1"}),
    "negative maxLength": _prop({"type": "string", "maxLength": -1}),
    "constraint that does not apply to the type": _prop({"type": "integer", "maxLength": 3}),
    "pattern on a url": _prop({"type": "url", "pattern": "^x$"}),
    "default of the wrong type": _prop({"type": "integer", "default": "3"}),
    "array without items": _prop({"type": "array"}),
    "optional array items": _prop({"type": "array", "items": {"type": "string", "optional": True}}),
    "shorthand array": _prop("array"),
    "lower-case type reference": _prop("user"),
    "field of the wrong JSON type": _prop(3),
    "lower-case type name": {"types": {"user": {"properties": {}}}},
    "enum and properties together": {"types": {"T": {"enum": ["a"], "properties": {}}}},
    "empty enum": {"types": {"T": {"enum": []}}},
    "unknown key in a type": {"types": {"T": {"properties": {}, "extends": "U"}}},
    "route without method": {"services": {"s": {"basePath": "/api/s", "routes": {"r": {"path": "/", "response": "R"}}}}},
    "route without response": {"services": {"s": {"basePath": "/api/s", "routes": {"r": {"method": "GET", "path": "/"}}}}},
    "unknown method": _route(method="HEAD"),
    "path without leading slash": _route(path="items"),
    "path with trailing slash": _route(path="/items/"),
    "GET with a body": _route(body="B"),
    "DELETE with a body": _route(method="DELETE", body="B"),
    "unknown key in a route": _route(operationId="x"),
    "error status not in the catalogue": _route(errors=[418]),
    "success status out of range": _route(status=404),
    "empty status list": _route(status=[]),
    "nullable query parameter": _route(query={"q": {"type": "string", "nullable": True}}),
    "array query parameter": _route(query={"q": {"type": "array", "items": "string"}}),
    "json path parameter": _route(path="/:id", params={"id": "json"}),
    "optional path parameter": _route(path="/:id", params={"id": {"type": "objectId", "optional": True}}),
    "cookie with a default": _route(cookies={"c": {"type": "string", "default": "x"}}),
    "inline body with an unknown key": _route(method="POST", body={"properties": {}, "required": []}),
    "service without basePath": {"services": {"s": {"routes": {"r": {"method": "GET", "path": "/", "response": "R"}}}}},
    "unknown top-level key in a part": {"types": {}, "paths": {}},
    "entry key in a part file": {"types": {}, "include": ["a.json"]},
    "entry without info": {"include": ["a.json"]},
    "entry with types": {"info": {"title": "x", "version": "1"}, "include": [], "types": {}},
    "security scheme without name": {"info": {"title": "x", "version": "1"}, "include": [], "security": {"c": {"type": "cookie"}}},
    "security scheme called none": {"info": {"title": "x", "version": "1"}, "include": [], "security": {"none": {"type": "bearer"}}},
    "server event with an ack": {"events": {"serverToClient": {"x:y": {"payload": "P", "ack": "A"}}}},
    "event without payload": {"events": {"clientToServer": {"x:y": {"ack": "A"}}}},
    "unknown event direction": {"events": {"both": {}}},
}

GOOD_EXAMPLES = {
    "minimal part": {},
    "minimal entry": {"info": {"title": "x", "version": "1"}, "include": []},
    "every field key": _prop({"type": "string", "description": "d", "optional": True, "nullable": True, "default": "a",
                               "minLength": 0, "maxLength": 3, "pattern": "^[ab]*$", "enum": ["a", "b"]}),
    "url keys": _prop({"type": "url", "schemes": ["https"], "relative": True, "maxLength": 10}),
    "nested arrays": _prop({"type": "array", "items": {"type": "array", "items": "objectId", "maxItems": 2}}),
    "status list": _route(method="POST", path="/:a/b/:c", params={"a": "objectId", "c": "string"}, body="B", status=[201, 200]),
}


def self_test(validator):
    failures = []
    for name, doc in BAD_EXAMPLES.items():
        if not list(validator.iter_errors(doc)):
            failures.append(f"self-test: the meta schema accepts a bad document ({name})")
    for name, doc in GOOD_EXAMPLES.items():
        errs = meta_errors(validator, doc)
        if errs:
            failures.append(f"self-test: the meta schema rejects a good document ({name}): {errs[0][0]}: {errs[0][1]}")
    return failures


def main(argv):
    args = list(argv[1:])
    meta = DEFAULT_META
    if "--meta" in args:
        i = args.index("--meta")
        meta = Path(args[i + 1])
        del args[i:i + 2]
    if not args or any(a.startswith("-") for a in args):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        validator = make_validator(meta)
    except Exception as e:  # noqa: BLE001
        print(f"{meta}: $: the meta schema itself is broken: {e}", file=sys.stderr)
        return 1

    failed = False
    for folder in args:
        problems = check_folder(folder, validator)
        for file, path, message in problems:
            print(f"{file}: {path}: {message}")
        if problems:
            failed = True
        else:
            n = len([p for p in Path(folder).rglob("*.json") if p.name != META_NAME])
            print(f"ok: {folder} ({n} files)")
    failures = self_test(validator)
    for f in failures:
        print(f"{meta}: {f}")
    if failures:
        failed = True
    else:
        print(f"ok: meta schema self-test ({len(BAD_EXAMPLES)} bad, {len(GOOD_EXAMPLES)} good examples)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
