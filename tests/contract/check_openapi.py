#!/usr/bin/env python3
"""Contract check of dda-server against openapi.yaml.

(a) validates openapi.yaml with openapi-spec-validator;
(b) with --base-url, exercises every documented route against a live server (every status
    code that can be provoked reliably: 2xx, 400, 401, 403, 404, 405, 409, 413, 415, 422;
    not 429/503) and validates status, Content-Type, documented response headers and the body
    against the documented response schema (JSON Schema 2020-12, $refs resolved);
(c) checks that every path + method of the spec was exercised.

Prints one line per check and, last, `N passed, M failed`. Exit status: 0 all passed,
1 a check failed, 2 a missing Python package or bad usage.

Use a throwaway server: the run creates runners and tasks (with random operation codes, so
it does not touch other tasks, but a runner registered for any code could lease them).
"""
import argparse
import base64
import concurrent.futures
import hashlib
import hmac
import json
import os
import random
import sys
import time
import uuid
from datetime import datetime
from urllib.parse import quote

try:
    import requests
    import yaml
    from jsonschema import Draft202012Validator
    from openapi_spec_validator import validate as validate_spec
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError as error:  # pragma: no cover - environment problem
    print(f"check_openapi.py: cannot import Python package '{error.name}'. "
          "Install PyYAML, jsonschema, openapi-spec-validator and requests for this python3 "
          "(e.g. `python3 -m pip install PyYAML jsonschema openapi-spec-validator requests`).",
          file=sys.stderr)
    sys.exit(2)

SPEC_URI = "urn:dda:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
NO_BODY = object()


def pointer_escape(token):
    return str(token).replace("~", "~0").replace("/", "~1")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def epoch_ms(text):
    """Milliseconds since 1970 of an RFC 3339 time such as 2026-11-29T17:00:00.123Z; None if it is not one."""
    try:
        return round(datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp() * 1000)
    except ValueError:
        return None


class Checker:
    def __init__(self, spec_path, base_url, api_key, registration_token, max_body, timeout, jwt_secret=None):
        self.spec_path = spec_path
        self.base_url = (base_url or "").rstrip("/")
        self.api_key = api_key
        self.registration_token = registration_token
        self.max_body = max_body
        self.jwt_secret = jwt_secret
        self.timeout = timeout
        self.passed = 0
        self.failed = 0
        self.spec = None
        self.registry = None
        self.validators = {}
        self.exercised = set()  # (template, method)
        self.statuses = set()  # (template, method, status)
        self.http = requests.Session()
        self.run_id = uuid.uuid4().hex[:8]
        # Operation codes private to this run so leases only see this run's tasks.
        base = random.randint(100_000, 899_000)
        self.code = {name: base + i for i, name in enumerate(
            ["lease", "unused", "stale", "list", "misc", "cancel", "poll", "hb", "none", "batch", "bulk",
             "blease", "cat", "cat2", "put", "codes", "pause", "del", "prog", "stats"])}

    # ----- output -------------------------------------------------------------------------

    def ok(self, name):
        self.passed += 1
        print(f"PASS {name}", flush=True)

    def fail(self, name, why):
        self.failed += 1
        print(f"FAIL {name}: {why}", flush=True)

    def check(self, condition, name, why="condition not met"):
        if condition:
            self.ok(name)
        else:
            self.fail(name, why)
        return bool(condition)

    # ----- spec ---------------------------------------------------------------------------

    def load_spec(self):
        try:
            with open(self.spec_path, encoding="utf-8") as handle:
                self.spec = yaml.safe_load(handle)
        except (OSError, yaml.YAMLError) as error:
            self.fail(f"spec: load {self.spec_path}", error)
            return False
        self.ok(f"spec: {self.spec_path} is YAML")
        try:
            validate_spec(self.spec)
        except Exception as error:  # openapi-spec-validator raises several types
            self.fail("spec: valid OpenAPI 3.1 (openapi-spec-validator)", str(error).splitlines()[0])
            return False
        self.ok("spec: valid OpenAPI 3.1 (openapi-spec-validator)")
        self.check(str(self.spec.get("openapi", "")).startswith("3.1"), "spec: declares openapi 3.1.x",
                   f"openapi: {self.spec.get('openapi')}")
        resource = Resource.from_contents(self.spec, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(SPEC_URI, resource)
        return True

    def resolve(self, obj, pointer):
        """Follows local $refs; returns (object, JSON pointer of the object)."""
        seen = 0
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/") or seen > 20:
                raise ValueError(f"unsupported $ref {ref}")
            pointer = ref[1:]
            obj = self.spec
            for token in pointer.split("/")[1:]:
                obj = obj[token.replace("~1", "/").replace("~0", "~")]
            seen += 1
        return obj, pointer

    def schema_errors(self, pointer, instance):
        validator = self.validators.get(pointer)
        if validator is None:
            schema = {"$ref": SPEC_URI + "#" + quote(pointer, safe="/~")}
            validator = Draft202012Validator(schema, registry=self.registry,
                                             format_checker=Draft202012Validator.FORMAT_CHECKER)
            self.validators[pointer] = validator
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}" for e in errors[:3]]

    def operation(self, template, method):
        path_item = self.spec.get("paths", {}).get(template)
        if path_item is None:
            return None, None
        op = path_item.get(method.lower())
        return op, f"/paths/{pointer_escape(template)}/{method.lower()}"

    # ----- HTTP ---------------------------------------------------------------------------

    def send(self, method, path, headers=None, body=NO_BODY, raw=None, content_type="application/json",
             session=None):
        headers = dict(headers or {})
        data = None
        if raw is not None:
            data = raw
        elif body is not NO_BODY:
            data = json.dumps(body).encode()
        if data is not None and content_type is not None:
            headers.setdefault("Content-Type", content_type)
        started = time.monotonic()
        response = (session or self.http).request(method, self.base_url + path, headers=headers, data=data,
                                     timeout=self.timeout, allow_redirects=False)
        response.elapsed_s = time.monotonic() - started
        return response

    def call(self, name, method, path, template, expect, headers=None, body=NO_BODY, raw=None,
             content_type="application/json", component=None):
        """Sends a request, checks it against the spec, prints one line. Returns
        (response, parsed JSON or None)."""
        label = f"{method} {path.split('?')[0] if len(path) > 80 else path} -> {expect} ({name})"
        try:
            response = self.send(method, path, headers, body, raw, content_type)
        except requests.RequestException as error:
            self.fail(label, f"request failed: {error}")
            return None, None
        problems = []
        if response.status_code != expect:
            problems.append(f"status {response.status_code}, expected {expect}; body {response.text[:200]!r}")
        status = response.status_code
        if component is not None:
            resp_obj, pointer = self.resolve({"$ref": f"#/components/responses/{component}"}, "")
        else:
            op, op_pointer = self.operation(template, method)
            if op is None:
                problems.append(f"{method} {template} is not in the spec")
                self.fail(label, "; ".join(problems))
                return response, None
            self.exercised.add((template, method.lower()))
            self.statuses.add((template, method.lower(), str(status)))
            responses = op.get("responses", {})
            if str(status) not in responses:
                problems.append(f"status {status} is not documented for {method} {template}")
                self.fail(label, "; ".join(problems))
                return response, None
            resp_obj, pointer = self.resolve(responses[str(status)], f"{op_pointer}/responses/{status}")
            if 200 <= expect < 300 and 200 <= status < 300 and (body is not NO_BODY):
                request_schema = op.get("requestBody", {}).get("content", {}).get("application/json")
                if request_schema is not None:
                    errors = self.schema_errors(
                        f"{op_pointer}/requestBody/content/application~1json/schema", body)
                    if errors:
                        problems.append(f"the accepted request body does not match the documented request schema: {errors}")
        problems += self.check_response(response, resp_obj, pointer)
        parsed = None
        if response.headers.get("Content-Type", "").split(";")[0].strip().lower() == "application/json":
            try:
                parsed = response.json()
            except ValueError:
                parsed = None
        if problems:
            self.fail(label, "; ".join(problems))
        else:
            self.ok(label)
        return response, parsed

    def check_response(self, response, resp_obj, pointer):
        problems = []
        for name, header in (resp_obj.get("headers") or {}).items():
            header, _ = self.resolve(header, "")
            value = response.headers.get(name)
            if value is None:
                if header.get("required"):
                    problems.append(f"missing header {name}")
                continue
            schema = header.get("schema")
            if schema is not None:
                errors = Draft202012Validator(self.resolve(schema, "")[0]).iter_errors(value)
                messages = [e.message for e in errors]
                if messages:
                    problems.append(f"header {name}: {messages[0]}")
        content = resp_obj.get("content")
        media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if not content:
            if response.content:
                problems.append(f"expected an empty body, got {response.content[:80]!r}")
            if media:
                problems.append(f"expected no Content-Type, got {media}")
            return problems
        if media not in content:
            problems.append(f"Content-Type {response.headers.get('Content-Type')!r} not in {sorted(content)}")
            return problems
        schema_pointer = f"{pointer}/content/{pointer_escape(media)}/schema"
        if "schema" not in content[media]:
            return problems
        if media == "application/json":
            try:
                instance = json.loads(response.content.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                problems.append(f"body is not JSON: {error}")
                return problems
        else:
            instance = response.text
        errors = self.schema_errors(schema_pointer, instance)
        if errors:
            problems.append(f"body does not match schema: {errors}")
        return problems

    # ----- helpers ------------------------------------------------------------------------

    def key(self):
        return {"X-API-Key": self.api_key}

    def bearer(self, token):
        return {"Authorization": f"Bearer {token}"}

    def register(self, label, codes=None, **fields):
        body = {"name": f"contract-{label}-{self.run_id}"}
        if codes is not None:
            body["operation_codes"] = codes
        body.update(fields)
        response, data = self.call(f"register runner {label}", "POST", "/register", "/register", 201,
                                   headers={"X-Registration-Token": self.registration_token}, body=body)
        if not data or "runner_id" not in data:
            raise RuntimeError(f"cannot register runner {label}; stopping")
        return data["runner_id"], data["runner_token"]

    def create(self, label, code, **fields):
        body = {"operation_code": code}
        body.update(fields)
        response, data = self.call(f"create task {label}", "POST", "/task", "/task", 201,
                                   headers=self.key(), body=body)
        if not data or "task_id" not in data:
            raise RuntimeError(f"cannot create task {label}; stopping")
        return data["task_id"]

    def lease(self, label, runner, token, expect=200, wait=0):
        path = f"/tasks?runner_id={runner}" + (f"&wait={wait}" if wait else "")
        return self.call(f"lease {label}", "GET", path, "/tasks", expect, headers=self.bearer(token))

    def get_task(self, label, task_id):
        return self.call(f"get task {label}", "GET", f"/task/{task_id}", "/task/{task_id}", 200,
                         headers=self.key())[1] or {}

    def names(self, data, field, label):
        """Checks that a 422 answer's message names `field` (given without backquotes)."""
        message = ((data or {}).get("error") or {}).get("message", "")
        return self.check(f"`{field}`" in message, f"{label}: the message names `{field}`", repr(message))

    def task_count(self, label):
        """(number of tasks in GET /tasks/all?limit=1000, the newest task_id)."""
        _, page = self.call(f"count tasks {label}", "GET", "/tasks/all?limit=1000", "/tasks/all", 200,
                            headers=self.key())
        page = page if isinstance(page, list) else []
        return len(page), (page[0].get("task_id") if page else None)

    def padded_body(self, size, prefix):
        """A JSON object of exactly `size` bytes: prefix + {"pad": "xxx…"}."""
        skeleton = json.dumps(prefix)[:-1] + ',"pad":""}'
        fill = size - len(skeleton.encode())
        if fill < 0:
            raise ValueError("size too small")
        return (json.dumps(prefix)[:-1] + ',"pad":"' + "x" * fill + '"}').encode()

    # ----- the scenarios ------------------------------------------------------------------

    def run_live(self):
        try:
            self.http.get(self.base_url + "/healthz", timeout=self.timeout)
        except requests.RequestException as error:
            self.fail(f"server reachable at {self.base_url}", error)
            return
        self.service()
        self.registration()
        self.task_creation()
        self.leasing()
        self.results()
        self.heartbeats()
        self.admin_tasks()
        self.listing()
        self.runners()
        self.batch_creation()
        self.scheduling()
        self.batch_leasing()
        self.batch_results()
        self.catalog()
        self.runner_update()
        self.runner_admin()
        self.runner_deletion()
        self.progress()
        self.stats()
        self.methods_and_paths()

    def service(self):
        _, root = self.call("root", "GET", "/", "/", 200)
        if root is not None:
            text = json.dumps(root)
            self.check(self.api_key not in text and self.registration_token not in text,
                       "GET / shows no secrets", "a credential appears in GET /")
        self.call("health", "GET", "/healthz", "/healthz", 200)
        response, _ = self.call("metrics with X-API-Key", "GET", "/metrics", "/metrics", 200, headers=self.key())
        if response is not None:
            self.check("version=0.0.4" in response.headers.get("Content-Type", ""),
                       "GET /metrics Content-Type is Prometheus text 0.0.4", response.headers.get("Content-Type"))
        self.call("metrics with Bearer API key", "GET", "/metrics", "/metrics", 200, headers=self.bearer(self.api_key))
        self.call("metrics without key", "GET", "/metrics", "/metrics", 401)
        self.call("metrics with a wrong key", "GET", "/metrics", "/metrics", 401, headers={"X-API-Key": "wrong" * 8})
        for path in ("/", "/healthz"):
            response = self.send("HEAD", path)
            self.check(response.status_code == 200 and not response.content
                       and response.headers.get("Content-Type", "").startswith("application/json"),
                       f"HEAD {path} -> 200 without a body",
                       f"status {response.status_code}, body {response.content[:60]!r}")

    def registration(self):
        hdr = {"X-Registration-Token": self.registration_token}
        name = f"contract-reg-{self.run_id}"
        self.reg_any = None
        self.call("body token only, 64 KiB + 1 (413 before parsing)", "POST", "/register", "/register", 413,
                  raw=self.padded_body(65537, {"name": name, "registration_token": self.registration_token}))
        _, data = self.call("token in header, operation_codes", "POST", "/register", "/register", 201,
                            headers=hdr, body={"name": name, "operation_codes": [self.code["none"], 100]})
        if data:
            try:
                claims = json.loads(b64url_decode(data["runner_token"].split(".")[1]))
                header = json.loads(b64url_decode(data["runner_token"].split(".")[0]))
                self.check(header.get("alg") == "HS256" and claims.get("sub") == data["runner_id"]
                           and claims.get("name") == name and isinstance(claims.get("iat"), int)
                           and isinstance(claims.get("exp"), int) and claims["exp"] > claims["iat"],
                           "runner_token is an HS256 JWT with sub, iat, exp, name", f"{header} {claims}")
            except (ValueError, KeyError, IndexError) as error:
                self.fail("runner_token is an HS256 JWT with sub, iat, exp, name", error)
        _, data = self.call("token in body, any code", "POST", "/register", "/register", 201,
                            body={"name": name, "registration_token": self.registration_token})
        if data:
            self.reg_any = data["runner_id"]
        self.call("header and body token", "POST", "/register", "/register", 201, headers=hdr,
                  body={"name": name, "registration_token": self.registration_token, "operation_codes": None})
        self.call("charset parameter in Content-Type", "POST", "/register", "/register", 201, headers=hdr,
                  body={"name": name}, content_type="application/json; charset=utf-8")
        self.call("name of 128 characters with quotes and non-ASCII", "POST", "/register", "/register", 201,
                  headers=hdr, body={"name": "\"é'<>" + "ü" * 123})
        self.call("256 operation codes", "POST", "/register", "/register", 201, headers=hdr,
                  body={"name": name, "operation_codes": list(range(1, 257))})
        depth64 = b'{"name":"deep","x":' + b"[" * 63 + b"]" * 63 + b"}"
        self.call("nesting of exactly 64", "POST", "/register", "/register", 201, headers=hdr, raw=depth64)

        self.call("no token", "POST", "/register", "/register", 401, body={"name": name})
        self.call("wrong header token", "POST", "/register", "/register", 401,
                  headers={"X-Registration-Token": "wrong" * 8}, body={"name": name})
        self.call("wrong header token, malformed body (401 before parsing)", "POST", "/register", "/register", 401,
                  headers={"X-Registration-Token": "wrong" * 8}, raw=b"{")
        self.call("wrong body token with a valid header", "POST", "/register", "/register", 401, headers=hdr,
                  body={"name": name, "registration_token": "wrong" * 8})
        self.call("null body token", "POST", "/register", "/register", 401, headers=hdr,
                  body={"name": name, "registration_token": None})
        self.call("no header, malformed body (parsed before the body token)", "POST", "/register", "/register",
                  400, raw=b'{"name": ')

        self.bad_json("/register", hdr, '"name"')
        self.call("media type text/plain", "POST", "/register", "/register", 415, headers=hdr,
                  raw=json.dumps({"name": name}).encode(), content_type="text/plain")
        self.call("no Content-Type", "POST", "/register", "/register", 415, headers=hdr,
                  raw=json.dumps({"name": name}).encode(), content_type=None)
        self.call("body one byte over the limit", "POST", "/register", "/register", 413, headers=hdr,
                  raw=self.padded_body(self.max_body + 1, {"name": name}))
        for label, body in [
            ("missing name", {}),
            ("empty name", {"name": ""}),
            ("name of 129 characters", {"name": "n" * 129}),
            ("name with a control character", {"name": "bell\u0007"}),
            ("name not a string", {"name": 42}),
            ("empty operation_codes", {"name": name, "operation_codes": []}),
            ("operation code 0", {"name": name, "operation_codes": [0]}),
            ("operation code 1000000", {"name": name, "operation_codes": [1000000]}),
            ("operation code float", {"name": name, "operation_codes": [100.0]}),
            ("operation code string", {"name": name, "operation_codes": ["100"]}),
            ("operation_codes not an array", {"name": name, "operation_codes": 100}),
            ("257 operation codes", {"name": name, "operation_codes": list(range(1, 258))}),
            ("body is an array", [{"name": name}]),
        ]:
            self.call(label, "POST", "/register", "/register", 422, headers=hdr, body=body)

    def bad_json(self, path, headers, member, method="POST", template=None):
        """The 400 cases of a JSON body; `member` is a start such as '"name"'."""
        cases = [
            ("malformed JSON", b"{" + member.encode() + b":"),
            ("empty body", b""),
            ("trailing garbage", b"{} x"),
            ("duplicate key", b'{"a":1,"a":2}'),
            ("lone surrogate escape", b"{" + member.encode() + b':"\\ud800"}'),
            ("invalid UTF-8", b"{" + member.encode() + b':"\xff\xfe"}'),
            ("nesting deeper than 64", b'{"x":' + b"[" * 64 + b"]" * 64 + b"}"),
        ]
        for label, raw in cases:
            self.call(label, method, path, template or path, 400, headers=headers, raw=raw)

    def task_creation(self):
        code = self.code["misc"]
        _, data = self.call("X-API-Key", "POST", "/task", "/task", 201, headers=self.key(),
                            body={"operation_code": code, "params": {"a": [1, 2]}})
        if data:
            self.check(data.get("status") == "pending", "POST /task answers status pending", data)
        response = self.send("POST", "/task", self.key(), {"operation_code": code})
        self.check(response.status_code == 201
                   and response.headers.get("Location") == f"/task/{response.json().get('task_id')}",
                   "POST /task Location is /task/{task_id}", response.headers.get("Location"))
        self.call("Bearer API key", "POST", "/task", "/task", 201, headers=self.bearer(self.api_key),
                  body={"operation_code": code})
        self.call("body api_key only", "POST", "/task", "/task", 201,
                  body={"operation_code": code, "api_key": self.api_key})
        self.call("all optional fields at their limits", "POST", "/task", "/task", 201, headers=self.key(),
                  body={"operation_code": 999999, "params": {}, "priority": 100, "max_attempts": 100,
                        "timeout_seconds": 86400, "api_key": self.api_key})
        self.call("lowest limits, nulls as defaults", "POST", "/task", "/task", 201, headers=self.key(),
                  body={"operation_code": 1, "params": None, "priority": -100, "max_attempts": 1,
                        "timeout_seconds": 1})
        # v1.1: an anonymous body is parsed only up to 64 KiB.
        self.call("body api_key only, 64 KiB + 1 (413 before parsing)", "POST", "/task", "/task", 413,
                  raw=self.padded_body(65537, {"operation_code": code, "api_key": self.api_key}))
        self.call("body api_key only, exactly 64 KiB", "POST", "/task", "/task", 201,
                  raw=self.padded_body(65536, {"operation_code": code, "api_key": self.api_key}))
        body = self.padded_body(self.max_body, {"operation_code": code, "params": {}})
        response = self.send("POST", "/task", self.key(), raw=body)
        self.check(response.status_code == 201, f"POST /task -> 201 (body of exactly {self.max_body} bytes)",
                   f"status {response.status_code} {response.text[:120]!r}")
        idem = {"Idempotency-Key": f"contract-{self.run_id}-" + "k" * 100}
        _, first = self.call("Idempotency-Key first use", "POST", "/task", "/task", 201,
                             headers={**self.key(), **idem}, body={"operation_code": code})
        response, again = self.call("Idempotency-Key repeated", "POST", "/task", "/task", 200,
                                    headers={**self.key(), **idem}, body={"operation_code": code, "priority": 5})
        if first and again:
            self.check(first["task_id"] == again["task_id"]
                       and response.headers.get("Location") == f"/task/{first['task_id']}",
                       "repeated Idempotency-Key returns the first task_id", f"{first} vs {again}")

        self.call("no credential", "POST", "/task", "/task", 401, body={"operation_code": code})
        self.call("wrong X-API-Key", "POST", "/task", "/task", 401, headers={"X-API-Key": "wrong" * 8},
                  body={"operation_code": code})
        self.call("wrong Bearer key", "POST", "/task", "/task", 401, headers=self.bearer("wrong" * 8),
                  body={"operation_code": code})
        self.call("wrong body api_key with a valid header", "POST", "/task", "/task", 401, headers=self.key(),
                  body={"operation_code": code, "api_key": "wrong" * 8})
        self.call("null body api_key with a valid header", "POST", "/task", "/task", 401, headers=self.key(),
                  body={"operation_code": code, "api_key": None})
        self.call("wrong header key, malformed body (401 before parsing)", "POST", "/task", "/task", 401,
                  headers={"X-API-Key": "wrong" * 8}, raw=b"{")
        self.call("no credential, malformed body (parsed before the body key)", "POST", "/task", "/task", 400,
                  raw=b"{")
        self.bad_json("/task", self.key(), '"operation_code"')
        self.call("media type text/plain", "POST", "/task", "/task", 415, headers=self.key(),
                  raw=b'{"operation_code":100}', content_type="text/plain")
        self.call("media type application/x-www-form-urlencoded", "POST", "/task", "/task", 415,
                  headers=self.key(), raw=b"operation_code=100", content_type="application/x-www-form-urlencoded")
        self.call("body one byte over the limit", "POST", "/task", "/task", 413, headers=self.key(),
                  raw=self.padded_body(self.max_body + 1, {"operation_code": code}))
        for label, body in [
            ("missing operation_code", {}),
            ("operation_code float", {"operation_code": 100.0}),
            ("operation_code string", {"operation_code": "100"}),
            ("operation_code 0", {"operation_code": 0}),
            ("operation_code 1000000", {"operation_code": 1000000}),
            ("operation_code boolean", {"operation_code": True}),
            ("params array", {"operation_code": code, "params": [1]}),
            ("params string", {"operation_code": code, "params": "x"}),
            ("priority 101", {"operation_code": code, "priority": 101}),
            ("priority -101", {"operation_code": code, "priority": -101}),
            ("priority 1.5", {"operation_code": code, "priority": 1.5}),
            ("max_attempts 0", {"operation_code": code, "max_attempts": 0}),
            ("max_attempts 101", {"operation_code": code, "max_attempts": 101}),
            ("timeout_seconds 0", {"operation_code": code, "timeout_seconds": 0}),
            ("timeout_seconds 86401", {"operation_code": code, "timeout_seconds": 86401}),
            ("body is an array", [{"operation_code": code}]),
        ]:
            self.call(label, "POST", "/task", "/task", 422, headers=self.key(), body=body)
        self.call("Idempotency-Key of 129 characters", "POST", "/task", "/task", 422,
                  headers={**self.key(), "Idempotency-Key": "k" * 129}, body={"operation_code": code})

    def leasing(self):
        code = self.code["lease"]
        self.runner_a, self.token_a = self.register("A", [code, self.code["stale"], self.code["cancel"],
                                                          self.code["poll"], self.code["hb"]])
        self.runner_b, self.token_b = self.register("B", [self.code["unused"]])
        a, ta, b, tb = self.runner_a, self.token_a, self.runner_b, self.token_b

        response, _ = self.lease("none for B (204)", b, tb, 204)
        response, _ = self.lease("none for B after wait=1 (204)", b, tb, 204, wait=1)
        if response is not None:
            self.check(response.elapsed_s >= 0.9, "GET /tasks?wait=1 waits about 1 s",
                       f"answered after {response.elapsed_s:.2f} s")

        low = self.create("lease low priority", code, params={"n": 1})
        first = self.create("lease FIFO first", code, priority=5, params={"n": 2})
        second = self.create("lease FIFO second", code, priority=5)
        order = []
        for label in ("1st", "2nd", "3rd"):
            _, lease = self.lease(f"A {label}", a, ta)
            order.append((lease or {}).get("task_id"))
            if label == "1st" and lease:
                self.check(lease.get("operation_code") == code and lease.get("params") == {"n": 2}
                           and lease.get("attempt") == 1 and lease.get("timeout_seconds") == 300,
                           "lease carries operation_code, params, attempt 1, timeout_seconds", lease)
        self.check(order == [first, second, low], "leases: higher priority first, FIFO within a priority",
                   f"got {order}, expected {[first, second, low]}")
        self.leased = {"low": low, "first": first, "second": second}
        self.lease("A, queue drained (204)", a, ta, 204)

        # Long poll: a task created while waiting is leased at once.
        poll_code_task = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(self.send, "GET", f"/tasks?runner_id={a}&wait=10", self.bearer(ta),
                                 session=requests.Session())
            time.sleep(0.7)
            poll_code_task["id"] = self.create("while A long-polls", self.code["poll"])
            try:
                response = future.result(timeout=15)
                data = response.json() if response.status_code == 200 else {}
                self.exercised.add(("/tasks", "get"))
                self.check(response.status_code == 200 and data.get("task_id") == poll_code_task["id"]
                           and response.elapsed_s < 5,
                           "long poll (wait=10) answers as soon as a task is created",
                           f"status {response.status_code} after {response.elapsed_s:.2f} s")
            except (concurrent.futures.TimeoutError, requests.RequestException, ValueError) as error:
                self.fail("long poll (wait=10) answers as soon as a task is created", error)

        h, p, _ = ta.split(".")
        forged = f"{h}.{p}." + b64url(hmac.new(os.urandom(32), f"{h}.{p}".encode(), hashlib.sha256).digest())
        alg_none = b64url(b'{"alg":"none","typ":"JWT"}') + f".{p}."
        self.call("no token", "GET", f"/tasks?runner_id={a}", "/tasks", 401)
        self.call("forged token (wrong signature)", "GET", f"/tasks?runner_id={a}", "/tasks", 401,
                  headers=self.bearer(forged))
        self.call("alg none token", "GET", f"/tasks?runner_id={a}", "/tasks", 401, headers=self.bearer(alg_none))
        self.call("API key instead of a runner token", "GET", f"/tasks?runner_id={a}", "/tasks", 401,
                  headers=self.bearer(self.api_key))
        self.call("token in X-API-Key only", "GET", f"/tasks?runner_id={a}", "/tasks", 401,
                  headers={"X-API-Key": ta})
        self.call("runner_id of another runner", "GET", f"/tasks?runner_id={b}", "/tasks", 403,
                  headers=self.bearer(ta))
        self.call("missing runner_id", "GET", "/tasks", "/tasks", 422, headers=self.bearer(ta))
        self.call("empty runner_id", "GET", "/tasks?runner_id=", "/tasks", 422, headers=self.bearer(ta))
        self.call("runner_id not a UUID", "GET", "/tasks?runner_id=abc", "/tasks", 422, headers=self.bearer(ta))
        for wait in ("31", "-1", "abc", "1.5", ""):
            self.call(f"wait={wait}", "GET", f"/tasks?runner_id={a}&wait={wait}", "/tasks", 422,
                      headers=self.bearer(ta))
        self.poll_task = poll_code_task.get("id")
        if self.jwt_secret:
            now = int(time.time())
            expired = self.mint(a, now - 7200, now - 3600)
            self.call("expired token (signed with the server's secret)", "GET", f"/tasks?runner_id={a}", "/tasks",
                      401, headers=self.bearer(expired))
            ghost = str(uuid.uuid4())
            ghost_token = self.mint(ghost, now, now + 3600)
            self.call("valid token of a runner the server does not know", "GET", f"/tasks?runner_id={ghost}",
                      "/tasks", 401, headers=self.bearer(ghost_token))
            self.call("valid token of a runner the server does not know", "POST", "/result", "/result", 401,
                      headers=self.bearer(ghost_token),
                      body={"task_id": str(uuid.uuid4()), "runner_id": ghost, "status": "failed", "result_data": None})
            self.call("valid token of a runner the server does not know", "POST", "/heartbeat", "/heartbeat", 401,
                      headers=self.bearer(ghost_token), body={"runner_id": ghost})
        else:
            print("INFO no --jwt-secret: expired-token and unknown-runner checks skipped", flush=True)

    def mint(self, sub, iat, exp):
        header = b64url(b'{"alg":"HS256","typ":"JWT"}')
        payload = b64url(json.dumps({"sub": sub, "iat": iat, "exp": exp, "name": "minted"}).encode())
        signature = hmac.new(self.jwt_secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}.{b64url(signature)}"

    def results(self):
        a, ta, b, tb = self.runner_a, self.token_a, self.runner_b, self.token_b
        first, second, low = self.leased["first"], self.leased["second"], self.leased["low"]
        ok_body = {"task_id": first, "runner_id": a, "status": "completed", "result_data": {"x": 1},
                   "error": None, "attempt": 1}
        self.call("completed, attempt 1", "POST", "/result", "/result", 200, headers=self.bearer(ta), body=ok_body)
        self.call("identical resubmission", "POST", "/result", "/result", 200, headers=self.bearer(ta), body=ok_body)
        self.call("identical resubmission without attempt", "POST", "/result", "/result", 200,
                  headers=self.bearer(ta), body={k: v for k, v in ok_body.items() if k != "attempt"})
        self.call("different second result", "POST", "/result", "/result", 409, headers=self.bearer(ta),
                  body={**ok_body, "result_data": {"x": 2}})
        self.call("second result with another status", "POST", "/result", "/result", 409, headers=self.bearer(ta),
                  body={**ok_body, "status": "failed", "error": "late"})
        _, result = self.call("result of a completed task", "GET", f"/result/{first}", "/result/{task_id}", 200,
                              headers=self.key())
        if result:
            self.check(result.get("status") == "completed" and result.get("result_data") == {"x": 1}
                       and result.get("runner_id") == a and result.get("completed_at"),
                       "GET /result shows the accepted result", result)
        task = self.get_task("completed", first)
        events = [e.get("event") for e in task.get("events", [])]
        self.check(events == ["created", "leased", "result"] and task.get("attempts") == 1,
                   "events of a completed task: created, leased, result", events)
        self.call("completed, result_data null, no attempt", "POST", "/result", "/result", 200,
                  headers=self.bearer(ta),
                  body={"task_id": second, "runner_id": a, "status": "completed", "result_data": None})
        self.call("task leased to another runner", "POST", "/result", "/result", 409, headers=self.bearer(tb),
                  body={"task_id": low, "runner_id": b, "status": "completed", "result_data": 1})
        self.call("attempt that is not the current one", "POST", "/result", "/result", 409, headers=self.bearer(ta),
                  body={"task_id": low, "runner_id": a, "status": "completed", "result_data": 1, "attempt": 2})
        self.call("unknown task", "POST", "/result", "/result", 404, headers=self.bearer(ta),
                  body={"task_id": str(uuid.uuid4()), "runner_id": a, "status": "completed", "result_data": 1})

        # A stale attempt: attempt 1 fails, attempt 2 is leased, attempt 1 reports again.
        stale = self.create("stale attempt", self.code["stale"], max_attempts=2)
        self.lease("stale task, attempt 1", a, ta)
        self.call("failed, attempt 1", "POST", "/result", "/result", 200, headers=self.bearer(ta),
                  body={"task_id": stale, "runner_id": a, "status": "failed", "result_data": None,
                        "error": "boom", "attempt": 1})
        task = self.get_task("after a failed attempt", stale)
        self.check(task.get("status") == "pending" and task.get("attempts") == 1 and task.get("error") == "boom",
                   "a failed attempt goes back to pending with its error", task)
        _, lease = self.lease("stale task, attempt 2 after the backoff", a, ta, wait=10)
        self.check((lease or {}).get("attempt") == 2 and (lease or {}).get("task_id") == stale,
                   "second lease carries attempt 2", lease)
        self.call("stale attempt 1 reports again", "POST", "/result", "/result", 409, headers=self.bearer(ta),
                  body={"task_id": stale, "runner_id": a, "status": "completed", "result_data": "late", "attempt": 1})
        self.call("failed, attempt 2 (the last)", "POST", "/result", "/result", 200, headers=self.bearer(ta),
                  body={"task_id": stale, "runner_id": a, "status": "failed", "result_data": {"partial": True},
                        "error": "boom again", "attempt": 2})
        task = self.get_task("failed for good", stale)
        self.check(task.get("status") == "failed" and task.get("error") == "boom again"
                   and task.get("result_data") == {"partial": True} and task.get("completed_at"),
                   "the last failed attempt makes the task failed", task)
        self.failed_task = stale

        # A cancelled task: the runner learns it by heartbeat; its result is refused.
        cancelled = self.create("to cancel while running", self.code["cancel"])
        self.lease("task to cancel", a, ta)
        _, data = self.call("cancel a running task", "DELETE", f"/task/{cancelled}", "/task/{task_id}", 200,
                            headers=self.key())
        self.check((data or {}).get("status") == "cancelled", "DELETE answers status cancelled", data)
        _, hb = self.call("heartbeat on a cancelled task", "POST", "/heartbeat", "/heartbeat", 200,
                          headers=self.bearer(ta), body={"runner_id": a, "task_id": cancelled})
        self.check(hb == {"cancelled": True}, "heartbeat answers cancelled: true", hb)
        self.call("result for a cancelled task", "POST", "/result", "/result", 409, headers=self.bearer(ta),
                  body={"task_id": cancelled, "runner_id": a, "status": "completed", "result_data": 1})
        self.cancelled_task = cancelled

        body = {"task_id": low, "runner_id": a, "status": "completed", "result_data": 1}
        h, p, _ = ta.split(".")
        forged = f"{h}.{p}." + b64url(hmac.new(os.urandom(32), f"{h}.{p}".encode(), hashlib.sha256).digest())
        self.call("no token", "POST", "/result", "/result", 401, body=body)
        self.call("no token, malformed body (401 before parsing)", "POST", "/result", "/result", 401, raw=b"{")
        self.call("forged token", "POST", "/result", "/result", 401, headers=self.bearer(forged), body=body)
        self.call("forged token, malformed body (token checked first)", "POST", "/result", "/result", 401,
                  headers=self.bearer(forged), raw=b"{")
        self.call("runner_id of another runner", "POST", "/result", "/result", 403, headers=self.bearer(ta),
                  body={**body, "runner_id": b})
        self.bad_json("/result", self.bearer(ta), '"task_id"')
        self.call("media type text/plain", "POST", "/result", "/result", 415, headers=self.bearer(ta),
                  raw=json.dumps(body).encode(), content_type="text/plain")
        self.call("body one byte over the limit", "POST", "/result", "/result", 413, headers=self.bearer(ta),
                  raw=self.padded_body(self.max_body + 1, body))
        for label, changed in [
            ("missing runner_id", {"runner_id": NO_BODY}),
            ("runner_id not a UUID", {"runner_id": "abc"}),
            ("missing task_id", {"task_id": NO_BODY}),
            ("task_id not a UUID", {"task_id": "abc"}),
            ("missing result_data", {"result_data": NO_BODY}),
            ("missing status", {"status": NO_BODY}),
            ("status done", {"status": "done"}),
            ("error not a string", {"error": 5}),
            ("attempt 0", {"attempt": 0}),
            ("attempt string", {"attempt": "1"}),
            ("attempt float", {"attempt": 1.5}),
        ]:
            sent = {**body, **changed}
            sent = {k: v for k, v in sent.items() if v is not NO_BODY}
            self.call(label, "POST", "/result", "/result", 422, headers=self.bearer(ta), body=sent)
        self.call("body is an array", "POST", "/result", "/result", 422, headers=self.bearer(ta), body=[body])
        # Finally the lease holder's result for the low-priority task.
        self.call("completed, result_data a string", "POST", "/result", "/result", 200, headers=self.bearer(ta),
                  body={**body, "result_data": "raw data", "attempt": 1})

    def heartbeats(self):
        a, ta, b, tb = self.runner_a, self.token_a, self.runner_b, self.token_b
        task_id = self.create("for heartbeats", self.code["hb"], timeout_seconds=600)
        _, lease = self.lease("heartbeat task", a, ta)
        _, hb = self.call("with task_id", "POST", "/heartbeat", "/heartbeat", 200, headers=self.bearer(ta),
                          body={"runner_id": a, "task_id": task_id})
        if hb and lease:
            self.check(hb.get("cancelled") is False and hb.get("lease_expires_at", "") >= lease["lease_expires_at"],
                       "heartbeat extends the lease", f"{hb} vs {lease}")
        _, hb = self.call("without task_id (all leases)", "POST", "/heartbeat", "/heartbeat", 200,
                          headers=self.bearer(ta), body={"runner_id": a, "task_id": None})
        self.check(bool(hb) and "lease_expires_at" in hb and hb.get("cancelled") is False,
                   "heartbeat without task_id reports the earliest lease", hb)
        _, hb = self.call("runner holding no lease", "POST", "/heartbeat", "/heartbeat", 200,
                          headers=self.bearer(tb), body={"runner_id": b})
        self.check(hb == {"cancelled": False}, "heartbeat without a lease has no lease_expires_at", hb)
        task = self.get_task("heartbeat-extended", task_id)
        self.check("heartbeat-extended" in [e.get("event") for e in task.get("events", [])],
                   "events record heartbeat-extended", task.get("events"))
        self.call("task leased to another runner", "POST", "/heartbeat", "/heartbeat", 409,
                  headers=self.bearer(tb), body={"runner_id": b, "task_id": task_id})
        self.call("a completed task", "POST", "/heartbeat", "/heartbeat", 409,
                  headers=self.bearer(ta), body={"runner_id": a, "task_id": self.leased["first"]})
        self.call("unknown task", "POST", "/heartbeat", "/heartbeat", 404, headers=self.bearer(ta),
                  body={"runner_id": a, "task_id": str(uuid.uuid4())})
        self.call("no token", "POST", "/heartbeat", "/heartbeat", 401, body={"runner_id": a})
        self.call("API key instead of a runner token", "POST", "/heartbeat", "/heartbeat", 401,
                  headers=self.bearer(self.api_key), body={"runner_id": a})
        self.call("runner_id of another runner", "POST", "/heartbeat", "/heartbeat", 403,
                  headers=self.bearer(ta), body={"runner_id": b})
        self.call("missing runner_id", "POST", "/heartbeat", "/heartbeat", 422, headers=self.bearer(ta), body={})
        self.call("task_id not a UUID", "POST", "/heartbeat", "/heartbeat", 422, headers=self.bearer(ta),
                  body={"runner_id": a, "task_id": "abc"})
        self.bad_json("/heartbeat", self.bearer(ta), '"runner_id"')
        self.call("media type text/plain", "POST", "/heartbeat", "/heartbeat", 415, headers=self.bearer(ta),
                  raw=json.dumps({"runner_id": a}).encode(), content_type="text/plain")
        self.call("body one byte over the limit", "POST", "/heartbeat", "/heartbeat", 413, headers=self.bearer(ta),
                  raw=self.padded_body(self.max_body + 1, {"runner_id": a}))
        self.hb_task = task_id

    def admin_tasks(self):
        pending = self.create("pending, for reads", self.code["misc"], params={"k": "v"})
        _, result = self.call("result of a pending task", "GET", f"/result/{pending}", "/result/{task_id}", 200,
                              headers=self.key())
        self.check(bool(result) and result.get("status") == "pending" and result.get("result_data") is None
                   and result.get("runner_id") is None, "GET /result of a pending task: result_data null", result)
        _, task = self.call("pending task", "GET", f"/task/{pending}", "/task/{task_id}", 200,
                            headers=self.bearer(self.api_key))
        if task:
            self.check(task.get("params") == {"k": "v"} and task.get("priority") == 0
                       and task.get("max_attempts") == 3 and task.get("timeout_seconds") == 300
                       and task.get("attempts") == 0 and [e["event"] for e in task["events"]] == ["created"],
                       "a new task has the documented defaults", task)
        upper = pending.upper()
        self.call("task id in upper case", "GET", f"/task/{upper}", "/task/{task_id}", 200, headers=self.key())
        missing = str(uuid.uuid4())
        for template, path in [("/result/{task_id}", "/result/"), ("/task/{task_id}", "/task/")]:
            self.call("unknown task", "GET", path + missing, template, 404, headers=self.key())
            self.call("task id not a UUID", "GET", path + "not-a-uuid", template, 404, headers=self.key())
            self.call("no API key", "GET", path + pending, template, 401)
            self.call("wrong API key", "GET", path + pending, template, 401, headers={"X-API-Key": "wrong" * 8})

        _, data = self.call("cancel a pending task", "DELETE", f"/task/{pending}", "/task/{task_id}", 200,
                            headers=self.key())
        self.check(bool(data) and data.get("status") == "cancelled" and data.get("completed_at")
                   and "events" not in data, "DELETE answers the task object, cancelled", data)
        self.call("cancel it again", "DELETE", f"/task/{pending}", "/task/{task_id}", 409, headers=self.key())
        self.call("cancel a completed task", "DELETE", f"/task/{self.leased['first']}", "/task/{task_id}", 409,
                  headers=self.key())
        self.call("cancel an unknown task", "DELETE", f"/task/{missing}", "/task/{task_id}", 404, headers=self.key())
        self.call("cancel a task id that is not a UUID", "DELETE", "/task/xyz", "/task/{task_id}", 404,
                  headers=self.key())
        self.call("cancel without API key", "DELETE", f"/task/{pending}", "/task/{task_id}", 401)

        _, data = self.call("retry a cancelled task", "POST", f"/task/{pending}/retry", "/task/{task_id}/retry",
                            200, headers=self.key())
        self.check(bool(data) and data.get("status") == "pending" and data.get("attempts") == 0
                   and data.get("completed_at") is None, "retry puts a cancelled task back to pending", data)
        _, data = self.call("retry a failed task", "POST", f"/task/{self.failed_task}/retry",
                            "/task/{task_id}/retry", 200, headers=self.key())
        self.check(bool(data) and data.get("status") == "pending" and data.get("attempts") == 0
                   and data.get("error") is None and data.get("result_data") is None and data.get("runner_id") is None,
                   "retry resets a failed task", data)
        task = self.get_task("retried", self.failed_task)
        self.check((task.get("events") or [{}])[-1].get("event") == "retried", "events record retried",
                   task.get("events"))
        self.call("retry a pending task", "POST", f"/task/{pending}/retry", "/task/{task_id}/retry", 409,
                  headers=self.key())
        self.call("retry a completed task", "POST", f"/task/{self.leased['first']}/retry", "/task/{task_id}/retry",
                  409, headers=self.key())
        self.call("retry a running task", "POST", f"/task/{self.hb_task}/retry", "/task/{task_id}/retry", 409,
                  headers=self.key())
        self.call("retry an unknown task", "POST", f"/task/{missing}/retry", "/task/{task_id}/retry", 404,
                  headers=self.key())
        self.call("retry a task id that is not a UUID", "POST", "/task/nope/retry", "/task/{task_id}/retry", 404,
                  headers=self.key())
        self.call("retry without API key", "POST", f"/task/{pending}/retry", "/task/{task_id}/retry", 401)
        self.call("retry with a JSON body", "POST", f"/task/{self.cancelled_task}/retry", "/task/{task_id}/retry",
                  200, headers=self.key(), raw=b"{}")
        self.call("retry with a text body", "POST", f"/task/{self.cancelled_task}/retry", "/task/{task_id}/retry",
                  415, headers=self.key(), raw=b"please", content_type="text/plain")
        # Leave nothing leasable behind for runners of these codes.
        for task_id in (pending, self.failed_task, self.cancelled_task, self.poll_task):
            if task_id:
                self.send("DELETE", f"/task/{task_id}", self.key())

    def listing(self):
        code = self.code["list"]
        ids = [self.create(f"list {i}", code) for i in range(3)]
        _, page = self.call("default", "GET", "/tasks/all", "/tasks/all", 200, headers=self.key())
        self.check(isinstance(page, list) and len(page) <= 100 and [t["task_id"] for t in page[:3]] == ids[::-1],
                   "GET /tasks/all is newest first", [t.get("task_id") for t in (page or [])[:3]])
        _, page = self.call("limit=2", "GET", "/tasks/all?limit=2", "/tasks/all", 200, headers=self.bearer(self.api_key))
        self.check(isinstance(page, list) and [t["task_id"] for t in page] == ids[:0:-1], "limit=2 gives 2 tasks",
                   page)
        _, page = self.call("before cursor", "GET", f"/tasks/all?before={ids[2]}&limit=2", "/tasks/all", 200,
                            headers=self.key())
        self.check(isinstance(page, list) and [t["task_id"] for t in page] == [ids[1], ids[0]],
                   "before=<task_id> continues after that task", [t.get("task_id") for t in (page or [])])
        for status in ("pending", "running", "completed", "failed", "cancelled"):
            _, page = self.call(f"status={status}", "GET", f"/tasks/all?status={status}&limit=1000", "/tasks/all", 200,
                                headers=self.key())
            self.check(isinstance(page, list) and all(t.get("status") == status for t in page),
                       f"status={status} filters", [t.get("status") for t in (page or [])][:5])
        self.call("empty status and before (no filter)", "GET", "/tasks/all?status=&before=&limit=1000", "/tasks/all",
                  200, headers=self.key())
        for query in ("status=done", "limit=0", "limit=1001", "limit=abc", "limit=", "before=abc"):
            self.call(query, "GET", f"/tasks/all?{query}", "/tasks/all", 422, headers=self.key())
        self.call("unknown before cursor", "GET", f"/tasks/all?before={uuid.uuid4()}", "/tasks/all", 404,
                  headers=self.key())
        # Additions: operation_code and id_prefix filters, combined with before and status.
        _, page = self.call("operation_code filter", "GET", f"/tasks/all?operation_code={code}", "/tasks/all", 200,
                            headers=self.key())
        self.check(isinstance(page, list) and [t["task_id"] for t in page] == ids[::-1],
                   "operation_code=N lists only that code's tasks, newest first", [t.get("task_id") for t in (page or [])])
        _, page = self.call("operation_code + before", "GET", f"/tasks/all?operation_code={code}&before={ids[1]}",
                            "/tasks/all", 200, headers=self.key())
        self.check(isinstance(page, list) and [t["task_id"] for t in page] == [ids[0]],
                   "operation_code with before continues after the cursor", page)
        _, page = self.call("id_prefix filter", "GET", f"/tasks/all?id_prefix={ids[1][:13]}&operation_code={code}",
                            "/tasks/all", 200, headers=self.key())
        self.check(isinstance(page, list) and [t["task_id"] for t in page] == [ids[1]],
                   "id_prefix finds the task by the start of its id", page)
        _, page = self.call("id_prefix + status", "GET", f"/tasks/all?id_prefix={ids[1]}&status=completed",
                            "/tasks/all", 200, headers=self.key())
        self.check(page == [], "id_prefix and status combine (a pending task is not completed)", page)
        for query in ("operation_code=0", "operation_code=1000000", "operation_code=x", "id_prefix=XYZ",
                      "id_prefix=0f8fad5bd", "id_prefix=" + "a" * 37):
            self.call(query, "GET", f"/tasks/all?{query}", "/tasks/all", 422, headers=self.key())
        # v1.1 bounded answers: params over 4 KiB serialized are null with params_truncated.
        big_params = {"pad": "p" * 5000}
        big = self.create("list big params", code, params=big_params)
        _, page = self.call("a task with 5 KB params", "GET", "/tasks/all?limit=1", "/tasks/all", 200, headers=self.key())
        item = (page or [{}])[0]
        self.check(item.get("task_id") == big and item.get("params") is None and item.get("params_truncated") is True
                   and "result_truncated" not in item,
                   "GET /tasks/all: params over 4 KiB are null with params_truncated: true", item)
        whole = self.get_task("with 5 KB params", big)
        self.check(whole.get("params") == big_params and "params_truncated" not in whole,
                   "GET /task/{id}: params whole, no flag", {k: whole.get(k) for k in ("task_id", "params_truncated")})
        ids.append(big)
        self.call("no API key", "GET", "/tasks/all", "/tasks/all", 401)
        self.call("wrong Bearer key", "GET", "/tasks/all", "/tasks/all", 401, headers=self.bearer("wrong" * 8))
        for task_id in ids:
            self.send("DELETE", f"/task/{task_id}", self.key())

    def runners(self):
        _, runners = self.call("all runners", "GET", "/runners", "/runners", 200, headers=self.key())
        by_id = {r.get("runner_id"): r for r in (runners or [])}
        a = by_id.get(self.runner_a, {})
        self.check(a.get("state") == "busy" and a.get("operation_codes") == sorted(a.get("operation_codes") or [0])
                   and self.code["lease"] in (a.get("operation_codes") or []),
                   "runner A is listed, busy (holds a lease), with its operation codes", a)
        self.check(by_id.get(self.runner_b, {}).get("state") == "idle", "runner B is listed idle",
                   by_id.get(self.runner_b))
        self.check(self.hb_task in (a.get("current_tasks") or []) and a.get("paused") is False
                   and a.get("version") is None and a.get("labels") == [],
                   "runner A: current_tasks has the task it holds, not paused, version null, labels [] (v1.1)",
                   {k: a.get(k) for k in ("current_tasks", "paused", "version", "labels")})
        if self.reg_any:
            self.check(by_id.get(self.reg_any, {}).get("operation_codes", 0) is None,
                       "a runner for any code has operation_codes null", by_id.get(self.reg_any))
        self.call("no API key", "GET", "/runners", "/runners", 401)
        self.call("runner token instead of an API key", "GET", "/runners", "/runners", 401,
                  headers=self.bearer(self.token_a))
        # Release the heartbeat task's lease.
        self.send("POST", "/result", self.bearer(self.token_a),
                  {"task_id": self.hb_task, "runner_id": self.runner_a, "status": "completed", "result_data": None})

    # ----- contract v1.1: batches ---------------------------------------------------------

    def scheduling(self):
        """run_at / delay_seconds (contract v1.1): available_at in the task object, not both."""
        code = self.code["batch"]
        _, data = self.call("a task delayed by 120 s", "POST", "/task", "/task", 201, headers=self.key(),
                            body={"operation_code": code, "delay_seconds": 120})
        task_id = (data or {}).get("task_id", "")
        _, task = self.call("the delayed task", "GET", f"/task/{task_id}", "/task/{task_id}", 200, headers=self.key())
        created, available = (task or {}).get("created_at", ""), (task or {}).get("available_at", "")
        self.check(bool(available) and available > created, "available_at is 120 s after created_at",
                   f"{created} → {available}")
        _, data = self.call("a task to run at a time", "POST", "/task", "/task", 201, headers=self.key(),
                            body={"operation_code": code, "run_at": "2031-02-03T04:05:06.789Z"})
        _, task = self.call("the task with run_at", "GET", f"/task/{(data or {}).get('task_id', '')}",
                            "/task/{task_id}", 200, headers=self.key())
        self.check((task or {}).get("available_at") == "2031-02-03T04:05:06.789Z", "available_at is run_at",
                   repr((task or {}).get("available_at")))
        _, data = self.call("run_at and delay_seconds together", "POST", "/task", "/task", 422, headers=self.key(),
                            body={"operation_code": code, "delay_seconds": 1, "run_at": "2031-01-01T00:00:00Z"})
        self.names(data, "delay_seconds", "run_at and delay_seconds together")
        _, data = self.call("delay_seconds past a year", "POST", "/tasks/batch", "/tasks/batch", 422,
                            headers=self.key(), body={"tasks": [{"operation_code": code, "delay_seconds": 31536001}]})
        self.names(data, "tasks[0].delay_seconds", "delay_seconds past a year")

    def batch_creation(self):
        code = self.code["batch"]
        path = "/tasks/batch"
        specs = [{"operation_code": code, "params": {"n": 0}},
                 {"operation_code": code, "params": {"n": 1, "deep": [1, {"x": None}]}, "priority": -100,
                  "max_attempts": 1, "timeout_seconds": 86400},
                 {"operation_code": code, "params": None, "priority": 100, "max_attempts": None}]
        _, data = self.call("a batch of 3", "POST", path, path, 201, headers=self.key(), body={"tasks": specs})
        ids = (data or {}).get("task_ids") or []
        self.check(len(ids) == 3 and data.get("count") == 3 and len(set(ids)) == 3,
                   "POST /tasks/batch answers 3 distinct task_ids and count 3", data)
        tasks = [self.get_task(f"batch item {i}", task_id) for i, task_id in enumerate(ids)]
        want = [({"n": 0}, 0, 3, 300), ({"n": 1, "deep": [1, {"x": None}]}, -100, 1, 86400), ({}, 100, 3, 300)]
        got = [(t.get("params"), t.get("priority"), t.get("max_attempts"), t.get("timeout_seconds")) for t in tasks]
        self.check(len(ids) == 3 and got == want and all(t.get("operation_code") == code and t.get("status") == "pending"
                                                         for t in tasks),
                   "the batch's tasks exist in request order with their params, fields and defaults",
                   f"got {got}, expected {want}")
        _, page = self.call("newest first after a batch", "GET", "/tasks/all?limit=3", "/tasks/all", 200,
                            headers=self.key())
        self.check([t.get("task_id") for t in (page or [])] == ids[::-1],
                   "a batch's tasks are created in request order (GET /tasks/all lists them newest first)",
                   [t.get("task_id") for t in (page or [])])
        _, data = self.call("Authorization: Bearer API key", "POST", path, path, 201,
                            headers=self.bearer(self.api_key), body={"tasks": [{"operation_code": code}]})
        ids += (data or {}).get("task_ids") or []
        _, data = self.call("charset parameter, unknown fields ignored", "POST", path, path, 201, headers=self.key(),
                            body={"tasks": [{"operation_code": code, "note": "x"}], "note": "y"},
                            content_type="application/json; charset=utf-8")
        ids += (data or {}).get("task_ids") or []

        # Idempotency-Key: one per batch, its own namespace.
        idem = {"Idempotency-Key": f"contract-batch-{self.run_id}-" + "k" * 90}
        _, first = self.call("Idempotency-Key first use", "POST", path, path, 201, headers={**self.key(), **idem},
                             body={"tasks": [{"operation_code": code}, {"operation_code": code, "params": {"i": 2}}]})
        before = self.task_count("before an idempotent replay")
        _, again = self.call("Idempotency-Key repeated (another body)", "POST", path, path, 200,
                             headers={**self.key(), **idem}, body={"tasks": [{"operation_code": code}] * 3})
        self.check(bool(first) and bool(again) and again == first,
                   "a repeated Idempotency-Key answers the first batch's task_ids and count", f"{first} vs {again}")
        self.check(self.task_count("after an idempotent replay") == before,
                   "an idempotent replay creates nothing", "GET /tasks/all changed")
        _, single = self.call("the batch's Idempotency-Key on POST /task (another namespace)", "POST", "/task",
                              "/task", 201, headers={**self.key(), **idem}, body={"operation_code": code})
        self.check(bool(single) and single.get("task_id") not in ((first or {}).get("task_ids") or []),
                   "a batch's Idempotency-Key and POST /task's are separate", single)
        self.call("Idempotency-Key of 129 characters", "POST", path, path, 422,
                  headers={**self.key(), "Idempotency-Key": "k" * 129}, body={"tasks": [{"operation_code": code}]})

        # Refusals: all or nothing, the message names the item.
        before = self.task_count("before refused batches")
        _, data = self.call("1,001 items", "POST", path, path, 422, headers=self.key(),
                            body={"tasks": [{"operation_code": code}] * 1001})
        self.names(data, "tasks", "1,001 items")
        bad = [{"operation_code": code, "params": {"i": i}} for i in range(1000)]
        bad[637] = {"operation_code": 0}
        _, data = self.call("1,000 items, tasks[637] with operation_code 0", "POST", path, path, 422,
                            headers=self.key(), body={"tasks": bad})
        self.names(data, "tasks[637].operation_code", "one bad item among 1,000")
        bad[637] = {"operation_code": code, "params": {"i": 637}}
        bad[999] = {"operation_code": code, "priority": 101}
        _, data = self.call("1,000 items, the last with priority 101", "POST", path, path, 422,
                            headers=self.key(), body={"tasks": bad})
        self.names(data, "tasks[999].priority", "a bad last item")
        _, data = self.call("an item with api_key", "POST", path, path, 422, headers=self.key(),
                            body={"tasks": [{"operation_code": code}, {"operation_code": code, "api_key": self.api_key}]})
        self.names(data, "tasks[1].api_key", "an item with api_key")
        for label, key in (("the right", self.api_key), ("a wrong", "wrong-key")):
            _, data = self.call(f"{label} api_key at the top of a batch", "POST", path, path, 422, headers=self.key(),
                                body={"api_key": key, "tasks": [{"operation_code": code}]})
            self.names(data, "api_key", f"{label} api_key at the top of a batch")
        _, data = self.call("an item that is a string", "POST", path, path, 422, headers=self.key(),
                            body={"tasks": [{"operation_code": code}, {"operation_code": code}, "x"]})
        self.names(data, "tasks[2]", "an item that is a string")
        for label, body, field in [
            ("no items", {"tasks": []}, "tasks"),
            ("tasks missing", {}, "tasks"),
            ("tasks an object", {"tasks": {"operation_code": code}}, "tasks"),
            ("an item without operation_code", {"tasks": [{"operation_code": code}, {"params": {}}]},
             "tasks[1].operation_code"),
            ("an item with operation_code a string", {"tasks": [{"operation_code": str(code)}]},
             "tasks[0].operation_code"),
            ("an item with params an array", {"tasks": [{"operation_code": code, "params": [1]}]}, "tasks[0].params"),
            ("an item with max_attempts 101", {"tasks": [{"operation_code": code, "max_attempts": 101}]},
             "tasks[0].max_attempts"),
            ("an item with timeout_seconds 0", {"tasks": [{"operation_code": code, "timeout_seconds": 0}]},
             "tasks[0].timeout_seconds"),
        ]:
            _, data = self.call(label, "POST", path, path, 422, headers=self.key(), body=body)
            self.names(data, field, label)
        self.call("body is an array", "POST", path, path, 422, headers=self.key(), body=[{"operation_code": code}])
        self.call("API key in the body instead of a header", "POST", path, path, 401,
                  body={"api_key": self.api_key, "tasks": [{"operation_code": code}]})
        self.call("API key in an item instead of a header", "POST", path, path, 401,
                  body={"tasks": [{"operation_code": code, "api_key": self.api_key}]})
        self.call("no API key", "POST", path, path, 401, body={"tasks": [{"operation_code": code}]})
        self.call("wrong X-API-Key", "POST", path, path, 401, headers={"X-API-Key": "wrong" * 8},
                  body={"tasks": [{"operation_code": code}]})
        self.call("runner token instead of an API key", "POST", path, path, 401, headers=self.bearer(self.token_a),
                  body={"tasks": [{"operation_code": code}]})
        self.call("no API key, malformed body (401 before parsing)", "POST", path, path, 401, raw=b"{")
        self.bad_json(path, self.key(), '"tasks"')
        self.call("media type text/plain", "POST", path, path, 415, headers=self.key(),
                  raw=json.dumps({"tasks": [{"operation_code": code}]}).encode(), content_type="text/plain")
        self.call("body one byte over the limit", "POST", path, path, 413, headers=self.key(),
                  raw=self.padded_body(self.max_body + 1, {"tasks": [{"operation_code": code}]}))
        self.check(self.task_count("after refused batches") == before, "refused batches create nothing",
                   "GET /tasks/all changed")

        # Exactly 1,000 items.
        _, data = self.call("1,000 items", "POST", path, path, 201, headers=self.key(),
                            body={"tasks": [{"operation_code": self.code["bulk"], "params": {"i": i}}
                                            for i in range(1000)]})
        bulk = (data or {}).get("task_ids") or []
        self.check(len(bulk) == 1000 and data.get("count") == 1000 and len(set(bulk)) == 1000,
                   "a batch of 1,000 answers 1,000 task_ids", (data or {}).get("count"))
        if bulk:
            last = self.get_task("batch item 999", bulk[-1])
            self.check(last.get("params") == {"i": 999}, "the 1,000th id is the 1,000th item", last.get("params"))
        # Leave nothing leasable behind.
        ids += (first or {}).get("task_ids") or []
        ids += [single["task_id"]] if single else []
        self.cancel_all(ids + bulk)

    def cancel_all(self, ids):
        def cancel(chunk):
            session = requests.Session()
            for task_id in chunk:
                self.send("DELETE", f"/task/{task_id}", self.key(), session=session)
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(cancel, [ids[i::8] for i in range(8)]))

    def batch_leasing(self):
        code = self.code["blease"]
        self.runner_c, self.token_c = self.register("C", [code])
        self.runner_d, self.token_d = self.register("D", [code])
        c, tc, d, td = self.runner_c, self.token_c, self.runner_d, self.token_d
        _, data = self.call("3 tasks to lease", "POST", "/tasks/batch", "/tasks/batch", 201, headers=self.key(),
                            body={"tasks": [{"operation_code": code, "params": {"n": i}, "max_attempts": 1 + (i != 1)}
                                            for i in range(3)]})
        ids = (data or {}).get("task_ids") or []
        _, data = self.call("max=2", "GET", f"/tasks?runner_id={c}&max=2", "/tasks", 200, headers=self.bearer(tc))
        leases = (data or {}).get("tasks") or []
        self.check(set(data or {}) == {"tasks"} and [l.get("task_id") for l in leases] == ids[:2]
                   and [l.get("params") for l in leases] == [{"n": 0}, {"n": 1}]
                   and all(l.get("attempt") == 1 and l.get("operation_code") == code for l in leases),
                   "GET /tasks?max=2 answers {tasks} with 2 leases, FIFO", data)
        _, data = self.call("max=5 with one ready", "GET", f"/tasks?runner_id={d}&max=5", "/tasks", 200,
                            headers=self.bearer(td))
        self.check([l.get("task_id") for l in (data or {}).get("tasks") or []] == ids[2:3],
                   "GET /tasks?max=5 answers the 1 lease that is ready", data)
        self.call("max=2, nothing ready", "GET", f"/tasks?runner_id={c}&max=2", "/tasks", 204, headers=self.bearer(tc))
        for value in ("0", "101", "x", "1.5", "-1", ""):
            _, data = self.call(f"max={value}", "GET", f"/tasks?runner_id={c}&max={value}", "/tasks", 422,
                                headers=self.bearer(tc))
            self.names(data, "max", f"GET /tasks?max={value}")
        self.call("max=2, no token", "GET", f"/tasks?runner_id={c}&max=2", "/tasks", 401)
        self.call("max=2, runner_id of another runner", "GET", f"/tasks?runner_id={d}&max=2", "/tasks", 403,
                  headers=self.bearer(tc))
        # Without max: exactly v1.
        single = self.create("for a v1 lease", code, params={"n": 3})
        _, data = self.call("without max (v1)", "GET", f"/tasks?runner_id={c}", "/tasks", 200, headers=self.bearer(tc))
        self.check(bool(data) and data.get("task_id") == single and "tasks" not in data,
                   "GET /tasks without max answers v1's lease object", data)
        self.batch_leases = {"c0": leases[0]["task_id"] if leases else None,
                             "c1": leases[1]["task_id"] if len(leases) > 1 else None,
                             "d": ids[2] if len(ids) > 2 else None, "c3": single}

    def batch_results(self):
        code = self.code["blease"]
        c, tc, d, td = self.runner_c, self.token_c, self.runner_d, self.token_d
        held = self.batch_leases
        path = "/results"
        fresh = [self.create(f"for next {i}", code, params={"n": 4 + i}) for i in range(2)]
        unknown = str(uuid.uuid4())
        done = {"task_id": held["c0"], "attempt": 1, "status": "completed", "result_data": {"n": 0}}
        items = [
            done,
            dict(done),  # the identical result again
            {**done, "result_data": {"n": "other"}},  # a different second result
            {"task_id": held["d"], "status": "completed", "result_data": 1},  # runner D's task
            {"task_id": unknown, "status": "completed", "result_data": 1},  # unknown task
            {"task_id": held["c1"], "attempt": 2, "status": "completed", "result_data": 1},  # stale attempt
            {"task_id": held["c1"].upper(), "attempt": None, "status": "failed", "result_data": None,
             "error": "boom"},
            {"task_id": held["c3"], "status": "completed", "result_data": [1, "two"], "error": None},
        ]
        _, data = self.call("a mixed batch, next=2", "POST", f"{path}?next=2", path, 200, headers=self.bearer(tc),
                            body={"runner_id": c, "results": items})
        outcomes = (data or {}).get("results") or []
        self.check([o.get("status") for o in outcomes] == [200, 200, 409, 409, 404, 409, 200, 200]
                   and [o.get("task_id") for o in outcomes] == [i["task_id"].lower() for i in items],
                   "POST /results judges each item alone, outcomes in request order "
                   "(accepted, identical again, different 409, another runner's 409, unknown 404, stale 409, ...)",
                   [(o.get("status"), o.get("message")) for o in outcomes])
        self.check(len(outcomes) > 1 and outcomes[0].get("message") == "success"
                   and "already" in outcomes[1].get("message", ""),
                   "the identical result again is 200 'already accepted'", outcomes[:2])
        leases = (data or {}).get("tasks") or []
        self.check([l.get("task_id") for l in leases] == fresh and all(l.get("attempt") == 1 for l in leases),
                   "next=2 leases the 2 tasks ready, in the same answer", leases)
        task = self.get_task("accepted through /results", held["c0"])
        self.check(task.get("status") == "completed" and task.get("result_data") == {"n": 0}
                   and task.get("runner_id") == c, "the accepted item is recorded (not the different one)", task)
        task = self.get_task("runner D's task after C's result", held["d"])
        self.check(task.get("status") == "running" and task.get("runner_id") == d and task.get("result_data") is None,
                   "another runner's task is unchanged by a 409 item", task)
        task = self.get_task("failed through /results", held["c1"])
        self.check(task.get("status") == "failed" and task.get("error") == "boom" and task.get("attempts") == 1
                   and task.get("max_attempts") == 1,
                   "a failed item on the last attempt makes the task failed", task)
        # Runner D reports its task, no next: tasks is [].
        _, data = self.call("runner D, no next", "POST", path, path, 200, headers=self.bearer(td),
                            body={"runner_id": d, "results": [{"task_id": held["d"], "attempt": 1,
                                                               "status": "completed", "result_data": "ok"}]})
        self.check(data == {"results": [{"task_id": held["d"], "status": 200, "message": "success"}], "tasks": []},
                   "without next the answer's tasks is []", data)
        self.call("no results, no next", "POST", path, path, 200, headers=self.bearer(tc),
                  body={"runner_id": c, "results": []})
        # Validation: the whole request is refused, naming the item.
        ok = {"task_id": fresh[0], "status": "completed", "result_data": None}
        _, data = self.call("results[1].attempt = 0", "POST", path, path, 422, headers=self.bearer(tc),
                            body={"runner_id": c, "results": [ok, {**ok, "attempt": 0}]})
        self.names(data, "results[1].attempt", "results[1].attempt = 0")
        _, data = self.call("101 results", "POST", path, path, 422, headers=self.bearer(tc),
                            body={"runner_id": c, "results": [ok] * 101})
        self.names(data, "results", "101 results")
        for label, body, field in [
            ("results missing", {"runner_id": c}, "results"),
            ("results an object", {"runner_id": c, "results": ok}, "results"),
            ("runner_id missing", {"results": [ok]}, "runner_id"),
            ("an item that is a number", {"runner_id": c, "results": [ok, 5]}, "results[1]"),
            ("an item without result_data", {"runner_id": c, "results": [{"task_id": fresh[0], "status": "failed"}]},
             "results[0].result_data"),
            ("an item with status done", {"runner_id": c, "results": [{**ok, "status": "done"}]}, "results[0].status"),
            ("an item with task_id not a UUID", {"runner_id": c, "results": [ok, {**ok, "task_id": "abc"}]},
             "results[1].task_id"),
            ("an item with error a number", {"runner_id": c, "results": [{**ok, "error": 5}]}, "results[0].error"),
        ]:
            _, data = self.call(label, "POST", path, path, 422, headers=self.bearer(tc), body=body)
            self.names(data, field, label)
        for query, field in (("next=0", "next"), ("next=101", "next"), ("next=abc", "next"), ("next=", "next"),
                             ("next=1&wait=31", "wait"), ("next=1&wait=x", "wait")):
            _, data = self.call(query, "POST", f"{path}?{query}", path, 422, headers=self.bearer(tc),
                                body={"runner_id": c, "results": []})
            self.names(data, field, f"POST /results?{query}")
        self.call("body is an array", "POST", path, path, 422, headers=self.bearer(tc), body=[ok])
        task = self.get_task("after refused /results", fresh[0])
        self.check(task.get("status") == "running", "a refused POST /results changes nothing", task.get("status"))
        self.call("runner_id of another runner", "POST", path, path, 403, headers=self.bearer(tc),
                  body={"runner_id": d, "results": [ok]})
        self.call("no token", "POST", path, path, 401, body={"runner_id": c, "results": [ok]})
        self.call("no token, malformed body (401 before parsing)", "POST", path, path, 401, raw=b"{")
        self.call("API key instead of a runner token", "POST", path, path, 401, headers=self.bearer(self.api_key),
                  body={"runner_id": c, "results": [ok]})
        if self.jwt_secret:
            ghost = str(uuid.uuid4())
            now = int(time.time())
            self.call("valid token of a runner the server does not know", "POST", f"{path}?next=1", path, 401,
                      headers=self.bearer(self.mint(ghost, now, now + 3600)), body={"runner_id": ghost, "results": []})
        self.bad_json(path, self.bearer(tc), '"runner_id"')
        self.call("media type text/plain", "POST", path, path, 415, headers=self.bearer(tc),
                  raw=json.dumps({"runner_id": c, "results": []}).encode(), content_type="text/plain")
        self.call("body one byte over the limit", "POST", path, path, 413, headers=self.bearer(tc),
                  raw=self.padded_body(self.max_body + 1, {"runner_id": c, "results": []}))
        # Report the two leased tasks; nothing else is ready: the answer comes after wait=1 with tasks [].
        response, data = self.call("the last results, next=1&wait=1 with nothing ready", "POST",
                                   f"{path}?next=1&wait=1", path, 200, headers=self.bearer(tc),
                                   body={"runner_id": c, "results": [{"task_id": t, "status": "completed",
                                                                      "result_data": None} for t in fresh]})
        if response is not None:
            self.check([o.get("status") for o in (data or {}).get("results") or []] == [200, 200]
                       and (data or {}).get("tasks") == [] and 0.9 <= response.elapsed_s < 5,
                       "POST /results?next=1&wait=1 answers its results and tasks [] after about 1 s",
                       f"{data} after {response.elapsed_s:.2f} s")

    # ----- contract v1.1: operation catalog, runner administration, progress --------------

    def runner_of(self, label, runner_id):
        """The runner's item of GET /runners, {} when it is not listed."""
        _, runners = self.call(f"list runners {label}", "GET", "/runners", "/runners", 200, headers=self.key())
        return next((r for r in (runners if isinstance(runners, list) else [])
                     if isinstance(r, dict) and r.get("runner_id") == runner_id), {})

    def catalog_of(self, label):
        """GET /operations as a list (the answer's order) and as {code: entry}."""
        _, listing = self.call(f"catalog {label}", "GET", "/operations", "/operations", 200, headers=self.key())
        listing = [e for e in (listing if isinstance(listing, list) else []) if isinstance(e, dict)]
        return listing, {e.get("code"): e for e in listing}

    def catalog(self):
        """POST /register with version, labels and operations; GET /operations (contract v1.1)."""
        hdr = {"X-Registration-Token": self.registration_token}
        code, plain, only = self.code["cat"], self.code["cat2"], self.code["codes"]
        name = f"contract-catalog-{self.run_id}"
        schema = {"type": "object", "title": "Word count", "description": "What to count.",
                  "properties": {"text": {"type": "string", "description": "The text.", "title": "Text"},
                                 "top": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10},
                                 "mode": {"type": "string", "enum": ["words", "lines"], "default": "words"},
                                 "weights": {"type": "array", "items": {"type": "number"}},
                                 "tags": {"type": "array"},
                                 "ratio": {"type": "number", "minimum": 0.5},
                                 "strict": {"type": "boolean", "default": False}},
                  "required": ["text"]}
        operation = {"code": code, "name": f"Word count {self.run_id}", "description": "Counts the words of a text.",
                     "params_schema": schema}
        _, data = self.call("operations with a params_schema, version, labels", "POST", "/register", "/register", 201,
                            headers=hdr, body={"name": name, "version": "1.4.2-beta+7", "labels": ["gpu", "eu-west", "gpu"],
                                               "operations": [operation, {"code": plain, "name": "Plain"}]})
        if not data or "runner_id" not in data:
            raise RuntimeError("cannot register the catalog runner; stopping")
        self.runner_cat, self.token_cat = data["runner_id"], data["runner_token"]
        me = self.runner_of("after a registration with operations", self.runner_cat)
        self.check(me.get("operation_codes") == sorted([code, plain]) and me.get("version") == "1.4.2-beta+7"
                   and sorted(me.get("labels") or []) == ["eu-west", "gpu"] and me.get("paused") is False
                   and me.get("current_tasks") == [],
                   "GET /runners: operations imply operation_codes; version; labels each once; paused false; "
                   "current_tasks []", {k: me.get(k) for k in ("operation_codes", "version", "labels", "paused",
                                                                "current_tasks")})
        self.call("operations with the same operation_codes", "POST", "/register", "/register", 201, headers=hdr,
                  body={"name": name, "operations": [{"code": plain, "name": "Plain", "description": None,
                                                      "params_schema": None}], "operation_codes": [plain],
                        "version": None, "labels": None})
        self.register("declaring a code by operation_codes only", [only])

        listing, by_code = self.catalog_of("after registrations with operations")
        codes = [e.get("code") for e in listing]
        self.check(codes == sorted(codes) and len(set(codes)) == len(codes), "GET /operations is sorted by code, each once",
                   codes[:20])
        self.check({100, 200, 300} <= set(codes), "GET /operations lists the built-in codes 100, 200 and 300", codes[:20])
        stats = by_code.get(300, {})
        stats_schema = stats.get("params_schema") or {}
        self.check(stats.get("name") == "Descriptive statistics" and stats_schema.get("required") == ["values"]
                   and (stats_schema.get("properties") or {}).get("values", {}).get("type") == "array",
                   "300 is 'Descriptive statistics' with params schema {values: array}, required", stats)
        mine = by_code.get(code, {})
        self.check(mine.get("name") == operation["name"] and mine.get("description") == operation["description"]
                   and mine.get("params_schema") == schema and isinstance(mine.get("runners_online"), int)
                   and mine["runners_online"] >= 1,
                   "a declared code: name, description and params_schema as declared, runners_online >= 1", mine)
        entry = by_code.get(plain, {})
        self.check(entry.get("name") == "Plain" and entry.get("description") is None and entry.get("params_schema") is None
                   and (entry.get("runners_online") or 0) >= 1,
                   "a code declared without description or params_schema: both null", entry)
        entry = by_code.get(only, {})
        self.check(bool(entry) and entry.get("name") is None and entry.get("description") is None
                   and entry.get("params_schema") is None and (entry.get("runners_online") or 0) >= 1,
                   "a code declared by operation_codes only: listed, name, description, params_schema null", entry)
        self.call("no API key", "GET", "/operations", "/operations", 401)
        self.call("wrong API key", "GET", "/operations", "/operations", 401, headers={"X-API-Key": "wrong" * 8})
        self.call("runner token instead of an API key", "GET", "/operations", "/operations", 401,
                  headers=self.bearer(self.token_cat))

        # Refusals: 422 naming the member (the spec's decisions name the path).
        def one(**fields):
            return {"name": name, "operations": [{"code": code, "name": "Bad", **fields}]}

        def prop(definition):
            return one(params_schema={"type": "object", "properties": {"n": definition}})

        at = "operations[0].params_schema"
        for label, body, field in [
            ("a property with format", prop({"type": "string", "format": "email"}), f"{at}.properties.n.format"),
            ("a property of type object", prop({"type": "object"}), f"{at}.properties.n.type"),
            ("a property of type null", prop({"type": "null"}), f"{at}.properties.n.type"),
            ("a property without type", prop({"description": "x"}), f"{at}.properties.n.type"),
            ("items on a string property", prop({"type": "string", "items": {"type": "string"}}),
             f"{at}.properties.n.items"),
            ("array items of booleans", prop({"type": "array", "items": {"type": "boolean"}}), f"{at}.properties.n.items"),
            ("minimum on a string property", prop({"type": "string", "minimum": 1}), f"{at}.properties.n.minimum"),
            ("pattern on a string property", prop({"type": "string", "pattern": "^a"}), f"{at}.properties.n.pattern"),
            ("a default of another type", prop({"type": "integer", "default": "ten"}), f"{at}.properties.n.default"),
            ("an enum value of another type", prop({"type": "integer", "enum": [1, "two"]}), None),
            ("an empty enum", prop({"type": "integer", "enum": []}), f"{at}.properties.n.enum"),
            ("a schema of type array", one(params_schema={"type": "array"}), f"{at}.type"),
            ("a schema without type", one(params_schema={"properties": {}}), f"{at}.type"),
            ("additionalProperties in a schema", one(params_schema={"type": "object", "additionalProperties": False}),
             f"{at}.additionalProperties"),
            ("required naming an undeclared property",
             one(params_schema={"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["m"]}),
             f"{at}.required"),
            ("params_schema a string", one(params_schema="object"), at),
            ("a code declared twice", {"name": name, "operations": [{"code": code, "name": "One"},
                                                                     {"code": code, "name": "Two"}]},
             "operations[1].code"),
            ("operations and other operation_codes", {"name": name, "operations": [{"code": code, "name": "One"}],
                                                      "operation_codes": [plain]}, None),
            ("empty operations", {"name": name, "operations": []}, "operations"),
            ("operations an object", {"name": name, "operations": {"code": code, "name": "One"}}, "operations"),
            ("an operation without name", {"name": name, "operations": [{"code": code}]}, "operations[0].name"),
            ("an operation name of 81 characters", one(name="n" * 81), "operations[0].name"),
            ("an operation description of 501 characters", one(description="d" * 501), "operations[0].description"),
            ("an operation code 0", {"name": name, "operations": [{"code": 0, "name": "Zero"}]}, "operations[0].code"),
            ("version of 65 characters", {"name": name, "version": "v" * 65}, "version"),
            ("version with a control character", {"name": name, "version": "1.0\n"}, "version"),
            ("version empty", {"name": name, "version": ""}, "version"),
            ("33 labels", {"name": name, "labels": [f"l{i}" for i in range(33)]}, "labels"),
            ("labels a string", {"name": name, "labels": "gpu"}, "labels"),
            ("an empty label", {"name": name, "labels": ["gpu", ""]}, None),
            ("a label of 65 characters", {"name": name, "labels": ["l" * 65]}, None),
        ]:
            _, data = self.call(label, "POST", "/register", "/register", 422, headers=hdr, body=body)
            if field:
                self.names(data, field, f"POST /register, {label}")

    def runner_update(self):
        """PUT /runners/{runner_id} (contract v1.1): a runner replaces what it declared."""
        r, t = self.runner_cat, self.token_cat
        code, added = self.code["cat"], self.code["put"]
        path, template = f"/runners/{r}", "/runners/{runner_id}"
        schema = {"type": "object", "required": ["words"],
                  "properties": {"words": {"type": "array", "items": {"type": "string"}, "title": "Words"}}}
        name = f"contract-catalog-v2-{self.run_id}"
        body = {"name": name, "version": "2.0.0", "labels": ["cpu"],
                "operations": [{"code": code, "name": f"Word count v2 {self.run_id}", "params_schema": schema},
                               {"code": added, "name": "Added", "description": "Added by PUT."}]}
        # A poll parked before the PUT is answered 204 so that the next poll leases with the new codes. The
        # poll below is either parked when the PUT comes (204 at once, then a lease gets the task) or arrives
        # after it (it leases the task): either way the runner has the new code's task within seconds, not
        # after the poll's 10 s.
        leased = None
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            future = pool.submit(self.send, "GET", f"/tasks?runner_id={r}&wait=10", self.bearer(t),
                                 session=requests.Session())
            started = time.monotonic()
            _, data = self.call("own id: new name, version, labels, operations", "PUT", path, template, 200,
                                headers=self.bearer(t), body=body)
            added_task = self.create("of a code added by PUT", added)
            try:
                response = future.result(timeout=15)
                self.exercised.add(("/tasks", "get"))
                if response.status_code == 200:
                    leased = response.json().get("task_id")
                elif response.status_code == 204:
                    _, lease = self.lease("after PUT answered the parked poll", r, t)
                    leased = (lease or {}).get("task_id")
                self.check(leased == added_task and time.monotonic() - started < 5,
                           "after PUT /runners/{id} the runner leases a task of its new code at once "
                           "(a parked poll is answered 204)",
                           f"poll {response.status_code} after {response.elapsed_s:.2f} s, leased {leased}, "
                           f"{time.monotonic() - started:.2f} s in all")
            except (concurrent.futures.TimeoutError, requests.RequestException, ValueError) as error:
                self.fail("after PUT /runners/{id} the runner leases a task of its new code at once", error)
        self.check(bool(data) and data.get("runner_id") == r and data.get("name") == name
                   and data.get("version") == "2.0.0" and data.get("labels") == ["cpu"]
                   and data.get("operation_codes") == sorted([code, added]) and data.get("paused") is False,
                   "PUT answers the runner object with what it declared now", data)
        _, by_code = self.catalog_of("after PUT /runners/{id}")
        self.check(by_code.get(code, {}).get("name") == body["operations"][0]["name"]
                   and by_code.get(code, {}).get("params_schema") == schema
                   and by_code.get(added, {}).get("description") == "Added by PUT.",
                   "GET /operations shows the catalog the runner PUT", [by_code.get(code), by_code.get(added)])

        self.call("another runner's id", "PUT", f"/runners/{self.runner_b}", template, 403, headers=self.bearer(t),
                  body=body)
        self.call("no token", "PUT", path, template, 401, body=body)
        self.call("no token, malformed body (401 before parsing)", "PUT", path, template, 401, raw=b"{")
        self.call("API key instead of a runner token", "PUT", path, template, 401, headers=self.bearer(self.api_key),
                  body=body)
        if self.jwt_secret:
            ghost = str(uuid.uuid4())
            now = int(time.time())
            self.call("valid token of a runner the server does not know", "PUT", f"/runners/{ghost}", template, 401,
                      headers=self.bearer(self.mint(ghost, now, now + 3600)), body=body)
        for label, bad, field in [
            ("missing name", {"version": "2.0.0"}, "name"),
            ("labels a string", {"name": name, "labels": "gpu"}, "labels"),
            ("a property of type object", {"name": name, "operations": [
                {"code": code, "name": "Bad", "params_schema": {"type": "object", "properties": {"n": {"type": "object"}}}}]},
             "operations[0].params_schema.properties.n.type"),
            ("a code declared twice", {"name": name, "operations": [{"code": code, "name": "One"},
                                                                     {"code": code, "name": "Two"}]},
             "operations[1].code"),
            ("body is an array", [body], None),
        ]:
            _, data = self.call(label, "PUT", path, template, 422, headers=self.bearer(t), body=bad)
            if field:
                self.names(data, field, f"PUT /runners/{{id}}, {label}")
        self.bad_json(path, self.bearer(t), '"name"', method="PUT", template=template)
        me = self.runner_of("after refused PUTs", r)
        self.check(me.get("version") == "2.0.0" and me.get("operation_codes") == sorted([code, added]),
                   "a refused PUT changes nothing", me)
        # What a PUT leaves out is cleared: no version, no labels, any code.
        _, data = self.call("own id, name only", "PUT", path, template, 200, headers=self.bearer(t), body={"name": name})
        self.check(bool(data) and data.get("version") is None and data.get("labels") == []
                   and data.get("operation_codes") is None,
                   "PUT without version, labels and codes clears them (any code)", data)
        _, by_code = self.catalog_of("after a PUT without operations")
        self.check(added not in by_code, "a code no runner declares any more is not in GET /operations",
                   by_code.get(added))
        if leased:
            self.send("POST", "/result", self.bearer(t),
                      {"task_id": leased, "runner_id": r, "status": "completed", "result_data": None})

    def runner_admin(self):
        """POST /runners/{id}/pause and /resume (contract v1.1)."""
        code = self.code["pause"]
        p, tp = self.register("P (paused)", [code])
        held = self.create("held by P through its pause", code, timeout_seconds=600)
        self.lease("P, before its pause", p, tp)
        waiting = self.create("pending for P while it is paused", code)
        _, by_code = self.catalog_of("before a pause")
        before = by_code.get(code, {}).get("runners_online")
        pause, resume = f"/runners/{p}/pause", f"/runners/{p}/resume"
        _, data = self.call("pause", "POST", pause, "/runners/{runner_id}/pause", 200, headers=self.key())
        self.check(bool(data) and data.get("runner_id") == p and data.get("paused") is True
                   and data.get("current_tasks") == [held] and data.get("state") == "busy",
                   "pause answers the runner object: paused true, busy with the task it holds", data)
        _, data = self.call("pause a paused runner", "POST", pause, "/runners/{runner_id}/pause", 200,
                            headers=self.bearer(self.api_key))
        self.check((data or {}).get("paused") is True, "pausing a paused runner leaves it paused", data)
        self.call("paused runner, a task pending for it", "GET", f"/tasks?runner_id={p}&wait=0", "/tasks", 204,
                  headers=self.bearer(tp))
        self.call("paused runner, a task pending for it, max=5", "GET", f"/tasks?runner_id={p}&max=5", "/tasks", 204,
                  headers=self.bearer(tp))
        _, hb = self.call("paused runner, its lease", "POST", "/heartbeat", "/heartbeat", 200, headers=self.bearer(tp),
                          body={"runner_id": p, "task_id": held})
        self.check(bool(hb) and hb.get("cancelled") is False and "lease_expires_at" in hb,
                   "a paused runner's lease runs on (heartbeat extends it)", hb)
        self.check(self.runner_of("while one is paused", p).get("paused") is True, "GET /runners shows paused: true",
                   "not paused")
        _, by_code = self.catalog_of("while a runner is paused")
        after = by_code.get(code, {}).get("runners_online")
        self.check(isinstance(before, int) and isinstance(after, int) and after <= before - 1,
                   "a paused runner is not counted in runners_online", f"{before} before the pause, {after} after")
        response, _ = self.call("while a task waits", "GET", "/metrics", "/metrics", 200, headers=self.key())
        text = response.text if response is not None else ""
        sample = f'dda_oldest_pending_task_age_seconds{{operation_code="{code}"}} '
        self.check(sample in text, "GET /metrics has dda_oldest_pending_task_age_seconds for a code with a pending task",
                   f"no line starting {sample!r}")
        self.check("\ndda_pending_tasks_without_runner " in text, "GET /metrics has dda_pending_tasks_without_runner",
                   "no such sample")
        _, data = self.call("resume", "POST", resume, "/runners/{runner_id}/resume", 200, headers=self.key())
        self.check(bool(data) and data.get("runner_id") == p and data.get("paused") is False,
                   "resume answers the runner object, paused: false", data)
        _, lease = self.lease("P after its resume", p, tp)
        self.check((lease or {}).get("task_id") == waiting, "after resume the runner leases the task that waited", lease)
        _, data = self.call("resume a runner that is not paused", "POST", resume, "/runners/{runner_id}/resume", 200,
                            headers=self.key())
        self.check((data or {}).get("paused") is False, "resuming a runner that is not paused leaves it unpaused", data)
        missing = str(uuid.uuid4())
        for action in ("pause", "resume"):
            template = f"/runners/{{runner_id}}/{action}"
            self.call("unknown runner", "POST", f"/runners/{missing}/{action}", template, 404, headers=self.key())
            self.call("no API key", "POST", f"/runners/{p}/{action}", template, 401)
            self.call("runner token instead of an API key", "POST", f"/runners/{p}/{action}", template, 401,
                      headers=self.bearer(tp))
        self.call("runner id that is not a UUID", "POST", "/runners/not-a-uuid/pause", "/runners/{runner_id}/pause",
                  404, headers=self.key())
        self.call("with a JSON body (ignored)", "POST", pause, "/runners/{runner_id}/pause", 200, headers=self.key(),
                  raw=b"{}")
        self.send("POST", resume, self.key())
        self.send("POST", "/results", self.bearer(tp),
                  {"runner_id": p, "results": [{"task_id": t, "status": "completed", "result_data": None}
                                               for t in (held, waiting)]})

    def runner_deletion(self):
        """DELETE /runners/{id} (contract v1.1): its token answers 401, its tasks go back to pending."""
        code = self.code["del"]
        e, te = self.register("E (deleted)", [code])
        f, tf = self.register("F (takes over)", [code])
        task_id = self.create("held by E when it is deleted", code, max_attempts=3)
        last_try = self.create("held by E when it is deleted, on its last attempt", code, max_attempts=1)
        _, lease = self.lease("E, before it is deleted", e, te)
        _, lease2 = self.lease("E, before it is deleted (2nd)", e, te)
        self.check({(lease or {}).get("task_id"), (lease2 or {}).get("task_id")} == {task_id, last_try},
                   "E holds both tasks", [lease, lease2])
        path, template = f"/runners/{e}", "/runners/{runner_id}"
        self.call("no API key", "DELETE", path, template, 401)
        self.call("runner token instead of an API key", "DELETE", path, template, 401, headers=self.bearer(te))
        _, data = self.call("a runner holding two tasks", "DELETE", path, template, 200, headers=self.key())
        released = (data or {}).get("released_tasks") or []
        self.check(bool(data) and data.get("runner_id") == e and data.get("name") == f"contract-E (deleted)-{self.run_id}"
                   and sorted(released) == sorted([task_id, last_try]) and len(released) == 2,
                   "DELETE /runners/{id} answers the runner and the tasks it released", data)
        self.call("the deleted runner's token", "GET", f"/tasks?runner_id={e}", "/tasks", 401, headers=self.bearer(te))
        self.call("the deleted runner's token", "POST", "/heartbeat", "/heartbeat", 401, headers=self.bearer(te),
                  body={"runner_id": e, "task_id": task_id})
        self.call("the deleted runner's token", "POST", "/result", "/result", 401, headers=self.bearer(te),
                  body={"task_id": task_id, "runner_id": e, "status": "completed", "result_data": None})
        self.call("the deleted runner's token", "PUT", path, template, 401, headers=self.bearer(te),
                  body={"name": "back again"})
        task = self.get_task("released by a deleted runner", task_id)
        last = (task.get("events") or [{}])[-1]
        self.check(task.get("status") == "pending" and task.get("attempts") == 1 and task.get("lease_expires_at") is None
                   and last.get("event") == "released" and last.get("detail") == "runner deleted (attempt 1)",
                   "a released task is pending at once, the attempt counted, event released 'runner deleted (attempt 1)'",
                   {k: task.get(k) for k in ("status", "attempts", "lease_expires_at", "error")} | {"last event": last})
        task = self.get_task("released by a deleted runner on its last attempt", last_try)
        self.check(task.get("status") == "failed" and task.get("attempts") == 1 and task.get("error") == "runner_deleted",
                   "a task released on its last attempt fails with runner_deleted (as an expired lease would)",
                   {k: task.get(k) for k in ("status", "attempts", "max_attempts", "error")})
        self.check(self.runner_of("after a deletion", e) == {}, "a deleted runner is not in GET /runners", "still listed")
        self.call("delete it again", "DELETE", path, template, 404, headers=self.key())
        self.call("a deleted runner", "POST", f"{path}/pause", "/runners/{runner_id}/pause", 404, headers=self.key())
        self.call("unknown runner", "DELETE", f"/runners/{uuid.uuid4()}", template, 404, headers=self.key())
        self.call("runner id that is not a UUID", "DELETE", "/runners/xyz", template, 404, headers=self.key())
        _, data = self.call("F, the released tasks", "GET", f"/tasks?runner_id={f}&max=5", "/tasks", 200,
                            headers=self.bearer(tf))
        leases = {l.get("task_id"): l for l in (data or {}).get("tasks") or []}
        self.check(leases.get(task_id, {}).get("attempt") == 2,
                   "a released task is leased again at once (no backoff), attempt 2", data)
        self.check(last_try not in leases, "a task failed on its last attempt is not leased again", data)
        self.send("POST", "/results", self.bearer(tf),
                  {"runner_id": f, "results": [{"task_id": t, "status": "completed", "result_data": None}
                                               for t in leases]})
        for t in (task_id, last_try):
            if t not in leases:
                self.send("DELETE", f"/task/{t}", self.key())
        _, data = self.call("a runner holding nothing", "DELETE", f"/runners/{f}", template, 200,
                            headers=self.bearer(self.api_key))
        self.check(bool(data) and data.get("runner_id") == f and data.get("released_tasks") == [],
                   "deleting a runner that holds nothing releases nothing", data)

    def progress(self):
        """POST /heartbeat with progress; the task object's progress (contract v1.1)."""
        code = self.code["prog"]
        g, tg = self.register("G (progress)", [code])
        task_id = self.create("for progress", code, timeout_seconds=600)
        task = self.get_task("before any progress", task_id)
        self.check("progress" in task and task.get("progress") is None, "a task without progress has progress: null",
                   task.get("progress", "absent"))
        self.lease("G, the progress task", g, tg)

        def beat(label, progress, expect=200, **fields):
            body = {"runner_id": g, "task_id": task_id, "progress": progress, **fields}
            return self.call(label, "POST", "/heartbeat", "/heartbeat", expect, headers=self.bearer(tg), body=body)[1]

        hb = beat("progress 42 with a message", {"percent": 42, "message": "half way"})
        self.check(bool(hb) and hb.get("cancelled") is False and "lease_expires_at" in hb,
                   "a heartbeat with progress extends the lease as usual", hb)
        task = self.get_task("after a progress heartbeat", task_id)
        progress = task.get("progress") or {}
        self.check(progress.get("percent") == 42 and progress.get("message") == "half way"
                   and bool(progress.get("updated_at")),
                   "GET /task/{id} shows progress {percent: 42, message, updated_at}", task.get("progress"))
        events = [e for e in task.get("events") or [] if e.get("event") == "progress"]
        detail = (events[0].get("detail") or "") if events else ""
        self.check(len(events) == 1 and detail.startswith("42") and "half way" in detail,
                   "the progress is recorded as a progress event ('42%: half way')", events)
        beat("progress 87.5 without a message", {"percent": 87.5})
        task = self.get_task("after a second progress heartbeat", task_id)
        progress = task.get("progress") or {}
        self.check(progress.get("percent") == 87.5 and progress.get("message") is None,
                   "the task's progress is the latest report (message null without one)", task.get("progress"))
        self.check(len([e for e in task.get("events") or [] if e.get("event") == "progress"]) == 1,
                   "at most one progress event a minute", [e.get("event") for e in task.get("events") or []])
        beat("progress 100 (the upper limit)", {"percent": 100, "message": "m" * 200})
        beat("progress 0 (the lower limit)", {"percent": 0})
        for label, progress, field in [
            ("percent 101", {"percent": 101}, "progress.percent"),
            ("percent -1", {"percent": -1}, "progress.percent"),
            ("percent a string", {"percent": "50"}, "progress.percent"),
            ("percent missing", {"message": "no percent"}, "progress.percent"),
            ("message of 201 characters", {"percent": 1, "message": "m" * 201}, "progress.message"),
            ("message a number", {"percent": 1, "message": 5}, None),
            ("progress a number", 50, "progress"),
        ]:
            data = beat(f"progress, {label}", progress, 422)
            if field:
                self.names(data, field, f"POST /heartbeat progress, {label}")
        self.call("progress without task_id", "POST", "/heartbeat", "/heartbeat", 422, headers=self.bearer(tg),
                  body={"runner_id": g, "progress": {"percent": 5}})
        self.call("progress with task_id null", "POST", "/heartbeat", "/heartbeat", 422, headers=self.bearer(tg),
                  body={"runner_id": g, "task_id": None, "progress": {"percent": 5}})
        self.call("progress null without task_id (null counts as absent)", "POST", "/heartbeat", "/heartbeat", 200,
                  headers=self.bearer(tg), body={"runner_id": g, "progress": None})
        task = self.get_task("after refused progress", task_id)
        self.check((task.get("progress") or {}).get("percent") == 0, "refused progress changes nothing",
                   task.get("progress"))
        self.send("POST", "/result", self.bearer(tg),
                  {"task_id": task_id, "runner_id": g, "status": "completed", "result_data": None})

    def stats_of(self, label, hours=None, headers=None):
        """GET /stats[?hours=H], its shape checked: the counts are integers ≥ 0; `hours` buckets of an hour, or
        `hours` × 12 of 5 minutes when `hours` ≤ 6, aligned, consecutive, oldest first, the last one holding
        `now`. Returns (the answer or {}, {start in ms: bucket})."""
        hours_sent = 24 if hours is None else hours
        path = "/stats" if hours is None else f"/stats?hours={hours}"
        _, data = self.call(label, "GET", path, "/stats", 200, headers=headers or self.key())
        data = data if isinstance(data, dict) else {}
        name = f"GET {path}"
        counts = {k: data.get(k) for k in ("pending", "running", "runners_online")}
        self.check(all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in counts.values()),
                   f"{name}: pending, running and runners_online are integers >= 0", counts)
        age = data.get("oldest_pending_age_seconds")
        self.check(age is None or (isinstance(age, (int, float)) and not isinstance(age, bool) and age >= 0),
                   f"{name}: oldest_pending_age_seconds is a number >= 0 or null", repr(age))
        size = 300 if hours_sent <= 6 else 3600
        count = hours_sent * 12 if hours_sent <= 6 else hours_sent
        buckets = [b for b in data.get("buckets") or [] if isinstance(b, dict)]
        self.check(data.get("bucket_seconds") == size and len(buckets) == count,
                   f"{name}: {count} buckets of {size} s",
                   f"bucket_seconds {data.get('bucket_seconds')}, {len(buckets)} buckets")
        starts = [epoch_ms(b.get("start")) for b in buckets]
        now = epoch_ms(data.get("now"))
        step = size * 1000
        self.check(bool(starts) and None not in starts and all(t % step == 0 for t in starts),
                   f"{name}: every bucket start is aligned to {size} s", [b.get("start") for b in buckets[:3]])
        self.check(None not in starts and all(b - a == step for a, b in zip(starts, starts[1:])),
                   f"{name}: buckets are oldest first, each {size} s after the one before",
                   [b.get("start") for b in buckets[:3]])
        self.check(bool(starts) and None not in starts and now is not None and starts[-1] <= now < starts[-1] + step,
                   f"{name}: the last bucket holds now",
                   f"now {data.get('now')}, last bucket {buckets[-1].get('start') if buckets else None}")
        return data, {t: b for t, b in zip(starts, buckets) if t is not None}

    def stats(self):
        """GET /stats (contract v1.1): the counts now and the tasks created / completed / failed per bucket."""
        code = self.code["stats"]
        s, ts = self.register("S (stats)", [code])
        before, hourly_before = self.stats_of("default: 24 hourly buckets")
        self.check((before.get("runners_online") or 0) >= 1, "GET /stats: runners_online counts a runner just registered",
                   before.get("runners_online"))
        _, fine_before = self.stats_of("hours=1: 12 buckets of 5 minutes", 1)
        self.stats_of("hours=6: 72 buckets of 5 minutes", 6)
        self.stats_of("hours=7: 7 hourly buckets", 7)
        self.stats_of("hours=168, Bearer API key", 168, headers=self.bearer(self.api_key))
        response = self.send("GET", "/stats", self.key())
        self.check(response.headers.get("Cache-Control") == "no-store", "GET /stats: Cache-Control no-store",
                   response.headers.get("Cache-Control"))
        response = self.send("HEAD", "/stats", self.key())
        self.check(response.status_code == 200 and not response.content
                   and response.headers.get("Content-Type", "").startswith("application/json"),
                   "HEAD /stats -> 200 without a body", f"status {response.status_code}, body {response.content[:60]!r}")

        # A task of this run's own code created, then completed; another failed for good. The buckets of their
        # created_at / completed_at grew by at least 1 (compared by bucket start, so crossing a bucket boundary
        # between the two answers is fine; "at least": other clients of the server may add to them).
        done = self.create("for GET /stats, completed", code)
        waiting, _ = self.stats_of("a leasable task pending")
        self.check((waiting.get("pending") or 0) >= 1 and waiting.get("oldest_pending_age_seconds") is not None,
                   "GET /stats with a leasable task pending: pending >= 1, oldest_pending_age_seconds a number",
                   {k: waiting.get(k) for k in ("pending", "oldest_pending_age_seconds")})
        _, lease = self.lease("S, the task for GET /stats", s, ts)
        self.check((lease or {}).get("task_id") == done, "S leases the task for GET /stats", lease)
        running, _ = self.stats_of("a task running")
        self.check((running.get("running") or 0) >= 1, "GET /stats with a task running: running >= 1",
                   running.get("running"))
        self.call("completed (for GET /stats)", "POST", "/result", "/result", 200, headers=self.bearer(ts),
                  body={"task_id": done, "runner_id": s, "status": "completed", "result_data": None})
        lost = self.create("for GET /stats, failed for good", code, max_attempts=1)
        self.lease("S, the task that fails for GET /stats", s, ts)
        self.call("failed, last attempt (for GET /stats)", "POST", "/result", "/result", 200, headers=self.bearer(ts),
                  body={"task_id": lost, "runner_id": s, "status": "failed", "result_data": None, "error": "boom"})
        done_task = self.get_task("completed, for GET /stats", done)
        lost_task = self.get_task("failed, for GET /stats", lost)
        _, hourly_after = self.stats_of("after a task completed and one failed")
        _, fine_after = self.stats_of("hours=1, after a task completed and one failed", 1)
        for label, prior, after, size in [("hourly", hourly_before, hourly_after, 3600),
                                          ("5-minute", fine_before, fine_after, 300)]:
            for what, field, at in [("created", "created", done_task.get("created_at")),
                                    ("completed", "completed", done_task.get("completed_at")),
                                    ("failed for good", "failed", lost_task.get("completed_at"))]:
                at = epoch_ms(at)
                start = None if at is None else at - at % (size * 1000)
                grown = (after.get(start) or {}).get(field, 0) - (prior.get(start) or {}).get(field, 0)
                self.check(start in after and grown >= 1,
                           f"GET /stats {label} buckets: `{field}` of the bucket a task was {what} in grew by >= 1",
                           f"bucket {start} grew by {grown}" if start in after else f"no bucket holds {at}")

        for hours in ("0", "169", "-1", "x", "1.5", ""):
            _, data = self.call(f"hours={hours}", "GET", f"/stats?hours={hours}", "/stats", 422, headers=self.key())
            self.names(data, "hours", f"GET /stats?hours={hours}")
        self.call("no API key", "GET", "/stats", "/stats", 401)
        self.call("wrong API key", "GET", "/stats", "/stats", 401, headers={"X-API-Key": "wrong" * 8})
        self.call("runner token instead of an API key", "GET", "/stats", "/stats", 401, headers=self.bearer(ts))
        self.call("no API key, bad hours (401 first)", "GET", "/stats?hours=0", "/stats", 401)

    def methods_and_paths(self):
        sample = {"task_id": str(uuid.uuid4()), "runner_id": str(uuid.uuid4())}
        for template, item in self.spec.get("paths", {}).items():
            documented = {m.upper() for m in item if m in METHODS}
            allowed = set(documented)
            if "GET" in allowed and template != "/tasks":  # GET /tasks leases: no HEAD
                allowed.add("HEAD")
            path = template.format(**sample)
            for method in ("PUT", "PATCH", "DELETE", "POST", "GET"):
                if method in documented:
                    continue
                response, _ = self.call(f"method not allowed on {template}", method, path, None, 405,
                                        component="MethodNotAllowed")
                if response is not None:
                    got = {m.strip() for m in response.headers.get("Allow", "").split(",") if m.strip()}
                    self.check(got == allowed, f"{method} {template}: Allow lists the documented methods",
                               f"Allow: {response.headers.get('Allow')!r}, documented {sorted(allowed)}")
                break
        for template, item in self.spec.get("paths", {}).items():
            path = template.format(**sample)
            for method in item:
                if method not in METHODS:
                    continue
                self.call("text body on any route", method.upper(), path, template, 415,
                          raw=b"text", content_type="text/plain")
                self.call("oversized body on any route", method.upper(), path, template, 413,
                          raw=b"x" * (self.max_body + 1), content_type="application/json")
        for path in ("/nope", "/task/", "/tasks/", "/task/a/b/c", "/healthz/x", "/result/"):
            self.call("unknown path", "GET", path, None, 404, component="NotFound", headers=self.key())
        self.call("unknown path with an oversized body", "POST", "/nope", None, 413, component="PayloadTooLarge",
                  raw=b"x" * (self.max_body + 1))

    # ----- coverage -----------------------------------------------------------------------

    def coverage(self):
        for template, item in self.spec.get("paths", {}).items():
            for method in item:
                if method not in METHODS:
                    continue
                self.check((template, method) in self.exercised, f"coverage: {method.upper()} {template} exercised",
                           "never called")
                for status in item[method].get("responses", {}):
                    if status in ("429", "503"):
                        continue  # nginx rate limiting / capacity / upstream down: not provoked by design
                    if (template, method, status) not in self.statuses:
                        print(f"INFO not provoked: {method.upper()} {template} -> {status}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    parser.add_argument("--spec", default=os.path.normpath(os.path.join(here, "..", "..", "openapi.yaml")))
    parser.add_argument("--base-url", help="e.g. http://127.0.0.1:8080; without it only the spec is validated")
    parser.add_argument("--api-key")
    parser.add_argument("--registration-token")
    parser.add_argument("--max-body-bytes", type=int, default=1048576)
    parser.add_argument("--jwt-secret", help="the server's DDA_JWT_SECRET (optional): enables the expired-token "
                        "and unknown-runner (401) checks")
    parser.add_argument("--timeout", type=float, default=40.0, help="seconds per request")
    args = parser.parse_args()
    if args.base_url and not (args.api_key and args.registration_token):
        parser.error("--base-url needs --api-key and --registration-token")

    checker = Checker(args.spec, args.base_url, args.api_key, args.registration_token,
                      args.max_body_bytes, args.timeout, args.jwt_secret)
    if checker.load_spec() and args.base_url:
        try:
            checker.run_live()
        except Exception as error:  # a broken scenario must not hide the summary
            checker.fail("scenarios ran to the end", f"{type(error).__name__}: {error}")
        checker.coverage()
    print(f"{checker.passed} passed, {checker.failed} failed")
    return 1 if checker.failed else 0


if __name__ == "__main__":
    sys.exit(main())
