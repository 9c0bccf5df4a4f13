"""Drives the Python clients generated from the spec (openapi-python-client and
openapi-generator `python`) against the mock, and reads every case of cases.json with them.

    python drive.py --gen GEN_DIR --cases cases.json --endpoint URL --project GEN=PROJECT:TOKEN ... --out results.json

Each generator gets its own project (so a failed run of one cannot disturb another). Results are
rows `{generator, check, ok, detail}`; table.py prints them.
"""

import argparse
import importlib
import json
import pkgutil
import re
import sys
import traceback
from pathlib import Path

SERVER_ID = "6507cb66-90dc-4a12-a573-c9f3398f899d"  # any ID: the mock derives a server from it


def snake(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def same_json(left, right, path="$"):
    """None when equal as JSON, else where they first differ. A member that is null on one
    side and absent on the other counts as equal: openapi-generator's Python models write an
    absent nullable field as null and drop a null one that is not nullable, and a client reads
    both the same way."""
    if isinstance(left, dict) and isinstance(right, dict):
        for key in sorted(set(left) | set(right)):
            if left.get(key) is None and right.get(key) is None:
                continue
            if key not in left or key not in right:
                return f"{path}.{key}: {'missing' if key not in left else 'added'} after re-encoding"
            found = same_json(left[key], right[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return f"{path}: {len(right)} items became {len(left)}"
        for i, (a, b) in enumerate(zip(left, right)):
            found = same_json(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if left != right or type(left) is not type(right):
        return f"{path}: {right!r} became {left!r}"
    return None


class OpenapiPythonClient:
    """openapi-python-client: attrs models with from_dict/to_dict, one module per operation."""

    label = "openapi-python-client"

    def __init__(self, gen, endpoint, project, token, unions):
        self.pkgs, self.unions, self.packages = {}, unions, []
        for doc in ("csbs", "cbr"):
            out = gen / f"opc-{doc}"
            found = [p.parent.name for p in out.glob("*/client.py")]
            if not found:
                raise AssertionError(f"no package was generated in {out}")
            name = found[0]
            self.packages.append(name)
            sys.path.insert(0, str(out))
            pkg = importlib.import_module(name)
            api = {}
            for mod in pkgutil.walk_packages(importlib.import_module(f"{name}.api").__path__, f"{name}.api."):
                api[mod.name.rsplit(".", 1)[1]] = mod.name
            client = pkg.AuthenticatedClient(base_url=endpoint, token=token, prefix="",
                                             auth_header_name="X-Auth-Token")
            self.pkgs[doc] = (importlib.import_module(f"{name}.models"), api, client)

    def instance(self, doc, schema, value):
        """The model for a body. A oneOf of components is a Python union here, not a class:
        its members are tried in order, as the generated parsers do."""
        models = self.pkgs[doc][0]
        for member in self.unions[doc].get(schema, []):
            try:
                return getattr(models, member).from_dict(value)
            except (KeyError, TypeError, ValueError):
                continue
        return getattr(models, schema).from_dict(value)

    def build(self, doc, schema, value):
        return self.instance(doc, schema, value).to_dict()

    def call(self, doc, op_id, expected, path, query=None, body=None):
        models, api, client = self.pkgs[doc]
        module = importlib.import_module(api[snake(op_id)])
        kwargs = {snake(k): v for k, v in {**path, **(query or {})}.items()}
        if body is not None:
            kwargs["body"] = self.instance(doc, *body)
        response = module.sync_detailed(client=client, **kwargs)
        if response.status_code != 200:
            raise AssertionError(f"status {response.status_code}: {response.content[:300]!r}")
        if expected is None:
            return None, None
        names = self.unions[doc].get(expected, [expected])
        if not isinstance(response.parsed, tuple(getattr(models, n) for n in names)):
            raise AssertionError(f"parsed as {type(response.parsed).__name__}, not {expected}")
        wire = json.loads(response.content)
        return response.parsed.to_dict(), wire


class OpenapiGeneratorPython:
    """openapi-generator `python`: pydantic models (validating), one API class per tag."""

    label = "openapi-generator python"

    def __init__(self, gen, endpoint, project, token, unions):
        self.pkgs, self.packages = {}, [f"{doc}_ogpy" for doc in ("csbs", "cbr")]
        for doc in ("csbs", "cbr"):
            sys.path.insert(0, str(gen / f"ogpy-{doc}"))
            pkg = importlib.import_module(f"{doc}_ogpy")
            config = pkg.Configuration(host=endpoint, api_key={"token": token})
            client = pkg.ApiClient(config)
            methods = {}
            for name in dir(pkg):
                if name.endswith("Api") and isinstance(getattr(pkg, name), type):
                    api = getattr(pkg, name)(client)
                    for attr in dir(api):
                        if not attr.startswith("_"):
                            methods[attr] = getattr(api, attr)
            self.pkgs[doc] = (importlib.import_module(f"{doc}_ogpy.models"), methods)

    def build(self, doc, schema, value):
        models = self.pkgs[doc][0]
        if not hasattr(models, schema):
            # A free-form object (EmptyObject) is a plain dict here, not a model.
            if not isinstance(value, dict):
                raise AssertionError(f"{schema} is read as a dict, got {value!r}")
            return value
        instance = getattr(models, schema).from_dict(value)
        if instance is None:
            raise AssertionError("from_dict returned None")
        return instance.to_dict()

    def call(self, doc, op_id, expected, path, query=None, body=None):
        models, methods = self.pkgs[doc]
        kwargs = {snake(k): v for k, v in {**path, **(query or {})}.items()}
        if body is not None:
            kwargs[snake(body[0])] = getattr(models, body[0]).from_dict(body[1])
        response = methods[f"{snake(op_id)}_with_http_info"](**kwargs)
        if response.status_code != 200:
            raise AssertionError(f"status {response.status_code}")
        if expected is None:
            return None, None
        if not hasattr(models, expected):
            if not isinstance(response.data, dict):
                raise AssertionError(f"{expected} is read as a dict, got {response.data!r}")
            return response.data, json.loads(response.raw_data)
        if not isinstance(response.data, getattr(models, expected)):
            raise AssertionError(f"parsed as {type(response.data).__name__}, not {expected}")
        return response.data.to_dict(), json.loads(response.raw_data)


COMPILE = "compiles (tsc --strict / Python import)"


def import_every_module(package_names, record):
    """Imports every module of the generated packages: a syntax or import error anywhere fails."""
    failures, count = [], 0
    for name in package_names:
        package = importlib.import_module(name)
        for mod in pkgutil.walk_packages(package.__path__, f"{name}."):
            count += 1
            try:
                importlib.import_module(mod.name)
            except Exception as e:  # noqa: BLE001
                failures.append(f"{mod.name}: {type(e).__name__}: {e}")
    record(COMPILE, not failures, f"{count} modules imported" if not failures else " | ".join(failures)[:600])


def check_cases(client, cases, record):
    """Every documented request builds into its model; every response body decodes. The value
    read back must equal the input (a client that drops or alters a field fails)."""
    groups = {("documented", "request"): "request examples build",
              ("documented", "response"): "response examples decode",
              ("wire", "response"): "live-shaped payloads decode"}
    for key, check in groups.items():
        failures, total = [], 0
        for case in (c for c in cases if (c["origin"], c["direction"]) == key):
            total += 1
            where = f"{case['operation_id']} {case['name']}"
            try:
                # As JSON text, the way the client would send it (enum members become strings).
                back = json.loads(json.dumps(client.build(case["doc"], case["schema"], case["value"])))
                diff = same_json(back, case["value"])
                if diff:
                    failures.append(f"{where}: {diff}")
            except Exception as e:  # noqa: BLE001 - any failure of the generated code is a finding
                failures.append(f"{where}: {type(e).__name__}: {str(e)[:300]}")
        record(check, not failures, f"{total - len(failures)}/{total}" + ("" if not failures else "; " + " | ".join(failures)))


def scenario(client, project, operations, cases, record):
    """The operations a user runs first, in order, against the mock."""
    example = {(c["operation_id"], c["name"]): c["value"] for c in cases
               if c["origin"] == "documented" and c["direction"] == "request"}
    state = {}

    def run(check, op_id, path=(), query=None, body_example=None, body=None, then=None):
        op = operations[op_id]
        try:
            if body_example:
                body = (op["request"], example[(op_id, body_example)])
            elif body is not None:
                body = (op["request"], body)
            # Path values in the order of the path, after the project and the fixed ones.
            free = [n for n in op["path"] if n != "project_id" and n not in op["fixed"]]
            values = {"project_id": project, **op["fixed"], **dict(zip(free, path))}
            expected = op["responses"].get("200")  # None: an empty answer
            parsed, wire = client.call(op["doc"], op_id, expected, values, query, body)
            diff = same_json(json.loads(json.dumps(parsed)), wire)
            if diff:
                raise AssertionError(f"the decoded answer differs from the wire: {diff}")
            if then:
                then(wire)
            record(check, True, "200, decoded" if expected else "200")
        except Exception as e:  # noqa: BLE001
            detail = "".join(traceback.format_exception_only(type(e), e)).strip()
            record(check, False, detail[:400])

    def created(wire):
        state["policy"] = wire["policy"]["id"]
        state["operation"] = wire["policy"]["scheduled_operations"][0]["id"]

    run("listPolicies", "listPolicies")
    run("createPolicy", "createPolicy", body_example="weekly_policy_two_servers", then=created)
    if "policy" in state:
        run("showPolicy", "showPolicy", path=[state["policy"]])
        change = json.loads(json.dumps(example[("updatePolicy", "update_name_and_schedule")]))
        change["policy"]["scheduled_operations"][0]["id"] = state["operation"]
        run("updatePolicy", "updatePolicy", path=[state["policy"]], body=change)
        run("deletePolicy", "deletePolicy", path=[state["policy"]])
    else:
        for op in ("showPolicy", "updatePolicy", "deletePolicy"):
            record(op, False, "no policy was created")

    def protected(wire):
        state["checkpoint"] = wire["checkpoint"]["id"]

    run("protectResource", "protectResource", path=[SERVER_ID], body_example="protect_server", then=protected)
    if "checkpoint" in state:
        def listed(wire):
            items = wire["checkpoint_items"]
            if len(items) != 1:
                raise AssertionError(f"{len(items)} backups of the new checkpoint, expected 1")
            state["backup"] = items[0]["id"]

        def counted(wire):
            if wire["count"] != 1:
                raise AssertionError(f"count {wire['count']}, expected 1")

        run("listBackups", "listBackups", query={"checkpoint_id": state["checkpoint"]}, then=listed)
        run("countBackups", "countBackups", query={"checkpoint_id": state["checkpoint"]}, then=counted)
        if "backup" in state:
            run("showBackup", "showBackup", path=[state["backup"]])
        else:
            record("showBackup", False, "no backup was listed")
    else:
        for op in ("listBackups", "countBackups", "showBackup"):
            record(op, False, "no backup was made")
    run("showQuotas", "showQuotas")

    def cbr_listed(wire):
        if not wire["backups"]:
            raise AssertionError("no CBR backups")
        state["cbr_checkpoint"] = wire["backups"][0]["checkpoint_id"]

    run("listCbrBackups", "listCbrBackups", then=cbr_listed)
    if "cbr_checkpoint" in state:
        run("showCbrCheckpoint", "showCbrCheckpoint", path=[state["cbr_checkpoint"]])
    else:
        record("showCbrCheckpoint", False, "no restore point was listed")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gen", type=Path, required=True)
    parser.add_argument("--cases", type=Path, required=True)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--project", action="append", required=True, help="GENERATOR=PROJECT:TOKEN")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    data = json.loads(args.cases.read_text())
    projects = dict(p.split("=", 1) for p in args.project)
    rows = []
    for kind in (OpenapiPythonClient, OpenapiGeneratorPython):
        def record(check, ok, detail, label=kind.label):
            rows.append(dict(generator=label, check=check, ok=ok, detail=detail))

        project, token = projects[kind.label].split(":", 1)
        try:
            client = kind(args.gen, args.endpoint, project, token, data["unions"])
            import_every_module(client.packages, record)
        except Exception as e:  # noqa: BLE001
            record(COMPILE, False, f"{type(e).__name__}: {e}")
            continue
        check_cases(client, data["cases"], record)
        scenario(client, project, data["operations"], data["cases"], record)
    args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
