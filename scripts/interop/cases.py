"""The bodies every generated client must read or build, taken from the spec alone.

Writes one JSON file: `operations` (each operation's document, path parameters, the values of
fixed ones, request body schema and response schema by status), `unions` (component schemas
that are a oneOf of components, by document) and `cases`:
- every documented example body (`examples:`/`example` of request bodies, responses and the
  shared error responses of `components/responses`), and
- every live-shaped payload of `spec/tests/data/wire_shapes.json` (what the live service sends
  beyond the examples: numbers as strings, nulls, `{}` and `"{}"`),
each with the component schema it is read into. The drivers of scripts/interop.sh read it.

Beside it, `typed/<case>.ts` declares each case as a constant of the type openapi-typescript
generated for its schema (`gen/ots-<doc>.ts`), so that tsc checks every body against the types.

    python cases.py REPO_ROOT OUT_DIR      # writes OUT_DIR/cases.json and OUT_DIR/typed/
"""

import json
import re
import sys
from pathlib import Path

import yaml

DOCUMENTS = {"csbs": "spec/csbs-v1.yaml", "cbr": "spec/cbr-v3.yaml"}
METHODS = ("get", "put", "post", "delete", "patch")


def schema_name(content):
    ref = content["schema"].get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        raise SystemExit(f"a body schema is not a component $ref: {content['schema']}")
    return ref.rsplit("/", 1)[1]


def named_examples(content):
    """(name, value) of a media type's `examples` (or its single `example`)."""
    for name, example in (content.get("examples") or {}).items():
        if "value" in example:
            yield name, example["value"]
    if "example" in content:
        yield "example", content["example"]


def resolve(doc, item):
    ref = item.get("$ref")
    if not ref:
        return item
    node = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def document_cases(key, doc):
    cases = []
    operations = {}  # operation_id -> {doc, request, responses: {status: schema}}
    for path_item in doc["paths"].values():
        for method in METHODS:
            op = path_item.get(method)
            if not op:
                continue
            op_id = op["operationId"]
            params = [resolve(doc, p) for p in path_item.get("parameters", []) + op.get("parameters", [])]
            path = [p["name"] for p in params if p["in"] == "path"]
            fixed = {p["name"]: resolve(doc, p["schema"])["enum"][0] for p in params
                     if p["in"] == "path" and len(resolve(doc, p["schema"]).get("enum", [])) == 1}
            operations[op_id] = dict(doc=key, request=None, responses={}, path=path, fixed=fixed)
            body = op.get("requestBody")
            if body:
                content = resolve(doc, body)["content"]["application/json"]
                operations[op_id]["request"] = schema_name(content)
                for name, value in named_examples(content):
                    cases.append(dict(doc=key, operation_id=op_id, name=name, direction="request",
                                      status=None, schema=schema_name(content), value=value,
                                      origin="documented"))
            for status, response in op["responses"].items():
                content = (resolve(doc, response).get("content") or {}).get("application/json")
                if not content:
                    continue
                operations[op_id]["responses"][str(status)] = schema_name(content)
                if "$ref" in response:
                    continue  # shared error responses are taken once, below
                for name, value in named_examples(content):
                    cases.append(dict(doc=key, operation_id=op_id, name=name, direction="response",
                                      status=int(status), schema=schema_name(content), value=value,
                                      origin="documented"))
    for ref_name, response in (doc["components"].get("responses") or {}).items():
        content = response["content"]["application/json"]
        for name, value in named_examples(content):
            cases.append(dict(doc=key, operation_id=f"components/responses/{ref_name}", name=name,
                              direction="response", status=None, schema=schema_name(content),
                              value=value, origin="documented"))
    unions = {name: [m["$ref"].rsplit("/", 1)[1] for m in schema["oneOf"]]
              for name, schema in doc["components"]["schemas"].items()
              if all("$ref" in m for m in schema.get("oneOf", [{}]))}
    return cases, operations, unions


def main():
    root, out = Path(sys.argv[1]), Path(sys.argv[2])
    cases, operations, unions = [], {}, {}
    for key, file in DOCUMENTS.items():
        found, ops, unions[key] = document_cases(key, yaml.safe_load((root / file).read_text()))
        cases += found
        operations.update(ops)
    for shape in json.loads((root / "spec/tests/data/wire_shapes.json").read_text()):
        op = operations[shape["operation_id"]]
        cases.append(dict(doc=op["doc"], operation_id=shape["operation_id"], name=shape["name"],
                          direction="response", status=shape["status"],
                          schema=op["responses"][str(shape["status"])], value=shape["value"],
                          origin="wire"))
    typed = out / "typed"
    typed.mkdir(parents=True, exist_ok=True)
    for case in cases:
        stem = re.sub(r"[^A-Za-z0-9_]", "_", f"{case['doc']}__{case['origin']}__{case['direction']}__"
                                              f"{case['operation_id']}__{case['name']}")
        case["typed"] = f"typed/{stem}.ts"
        (out / case["typed"]).write_text(
            f"import type {{ components }} from '../gen/ots-{case['doc']}';\n"
            f"export const value: components['schemas']['{case['schema']}'] = "
            f"{json.dumps(case['value'], indent=1)};\n")
    (out / "cases.json").write_text(json.dumps(dict(operations=operations, unions=unions, cases=cases), indent=1))
    counts = {}
    for c in cases:
        counts[(c["origin"], c["direction"])] = counts.get((c["origin"], c["direction"]), 0) + 1
    print("cases:", ", ".join(f"{n} {o} {d}s" for (o, d), n in sorted(counts.items())))


if __name__ == "__main__":
    main()
