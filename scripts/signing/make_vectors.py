#!/usr/bin/env python3
"""SDK-HMAC-SHA256 test vectors made by the vendor's own Python signer.

The Rust signer (auth/src/signer.rs) is tested byte for byte against what this script
writes to auth/tests/data/signing_vectors.json. The script installs nothing itself;
it needs the vendor's SDK core at the pinned version:

    python3 -m pip install 'huaweicloudsdkcore==3.1.219'
    python3 scripts/signing/make_vectors.py           # rewrites the JSON
    python3 scripts/signing/make_vectors.py --check   # fails if the JSON differs

Every request goes through the SDK's own path: `BasicCredentials.sign_request` (which adds
X-Project-Id when the credentials carry a project) and from there
`huaweicloudsdkcore.signer.signer.Signer.sign`, with an `SdkRequest` built as the SDK's
client builds it (host is the endpoint's netloc, query parameters are (key, value) tuples
with repeated keys repeated, the body is the serialized text). X-Sdk-Date is given, so the
SDK signs at that fixed time and the output is reproducible. The SDK keeps its intermediate
results in private methods; the script records what those methods return while `sign`
runs, without changing them.

The keys are fake: they are test data, not credentials.
"""

import argparse
import copy
import json
import sys
from pathlib import Path

PINNED_VERSION = "3.1.219"
OUT = Path(__file__).resolve().parents[2] / "auth" / "tests" / "data" / "signing_vectors.json"

AK = "AKTESTNOTAREALKEY000"
SK = "sk-test-NOT-A-REAL-SECRET-do-not-use-000000"
DATE = "20261123T080910Z"
PROJECT = "0605767b5780d5762fc5c0118072a564"

# name, description, method, scheme, host, resource path (raw, as the SDK's client holds it
# after substituting path parameters), query tuples, headers given, body text, project id
# (None: no X-Project-Id), X-Sdk-Date, AK, SK.
CASES = [
    dict(
        name="get_repeated_and_escaped_query",
        description="GET with a repeated key (status) and values that need escaping: space, ':', '%', '+', '=', "
        "non-ASCII, '/'; the SDK sorts the decoded (key, value) pairs, then encodes them",
        method="GET",
        host="cbr.example-region-1.example.test",
        path=f"/v3/{PROJECT}/backups",
        query=[
            ("status", "error"),
            ("status", "available"),
            ("name", "a b:c%d+e=f"),
            ("marker", ":x"),
            ("marker", "0"),
            ("q", "z"),
            ("q", "é ü"),
            ("sort", "created_at:desc"),
            ("dir", "a/b"),
            ("dir", "a.b"),
        ],
        headers={"Content-Type": "application/json"},
        body="",
        project_id=PROJECT,
    ),
    dict(
        name="post_json_body",
        description="POST with a JSON body (non-ASCII in it) and Content-Type application/json",
        method="POST",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/policies",
        query=[],
        headers={"Content-Type": "application/json;charset=UTF-8"},
        body=json.dumps(
            {
                "policy": {
                    "name": "nightly-é",
                    "description": "backups at 02:00",
                    "parameters": {"common": {}},
                    "resources": [{"id": "7e2d0e3a", "type": "OS::Nova::Server", "name": "vm 1"}],
                }
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        project_id=PROJECT,
    ),
    dict(
        name="post_empty_body",
        description="POST with an empty body: the payload hash is the SHA-256 of nothing",
        method="POST",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/policies/5af626d2-19b9-4dc4-8e95-ddba008318b3/action",
        query=[],
        headers={"Content-Type": "application/json"},
        body="",
        project_id=PROJECT,
    ),
    dict(
        name="get_without_project_or_content_type",
        description="GET with no X-Project-Id, no Content-Type, no query, no body: only host and x-sdk-date are signed",
        method="GET",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/providers",
        query=[],
        headers={},
        body="",
        project_id=None,
    ),
    dict(
        name="put_json_body",
        description="PUT with a JSON body",
        method="PUT",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/policies/5af626d2-19b9-4dc4-8e95-ddba008318b3",
        query=[],
        headers={"Content-Type": "application/json"},
        body='{"policy": {"name": "renamed", "description": ""}}',
        project_id=PROJECT,
    ),
    dict(
        name="delete_with_query",
        description="DELETE with a query and no body",
        method="DELETE",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/checkpoints/8b0851a8-adf3-4f4c-a914-dead08bf9664",
        query=[("force", "true"), ("checkpoint_item_id", "0b6a5b2e-1d2f-4b5c-9f60-1f8a2d7c9e11")],
        headers={"Content-Type": "application/json"},
        body="",
        project_id=PROJECT,
    ),
    dict(
        name="path_needing_encoding",
        description="A path with a space, ':', non-ASCII and an encoded '%' (%25): the SDK decodes the path, "
        "encodes each segment with quote(safe='~'), and ends it with '/'",
        method="GET",
        host="cbr.example-region-1.example.test",
        path=f"/v3/{PROJECT}/vaults/my vault:é%25x",
        query=[],
        headers={"Content-Type": "application/json"},
        body="",
        project_id=PROJECT,
    ),
    dict(
        name="host_with_port_trailing_slash",
        description="An endpoint with a port (the SDK signs the netloc, port included) and a path that already "
        "ends in '/'",
        method="GET",
        scheme="http",
        host="127.0.0.1:8443",
        path=f"/v3/{PROJECT}/backups/",
        query=[("limit", "10"), ("offset", "0")],
        headers={"Content-Type": "application/json"},
        body="",
        project_id=PROJECT,
    ),
    dict(
        name="extra_headers",
        description="Every header given is signed (lowercased, value trimmed), except names with '_', which the SDK "
        "sends unsigned; User-Agent as the SDK's client sets it",
        method="GET",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/operation_logs",
        query=[("limit", "2")],
        headers={
            "Content-Type": "application/json",
            "User-Agent": "huaweicloud-usdk-python/3.0",
            "X-Custom-Trace": "  spaced value  ",
            "X_Unsigned_Header": "not signed",
        },
        body="",
        project_id=None,
    ),
    dict(
        name="post_non_json_unsigned_payload",
        description="A body whose Content-Type is neither JSON nor BSON: the SDK adds "
        "X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD, signs it, and uses that literal instead of the body hash",
        method="POST",
        host="csbs.example-region-1.example.test",
        path=f"/v1/{PROJECT}/notes",
        query=[],
        headers={"Content-Type": "text/plain"},
        body="plain text body",
        project_id=PROJECT,
    ),
]


def url(scheme, host, path, query):
    """The request as a client would send it before signing: the path with what must be
    escaped escaped (an escape already in it kept), the query in the order given with every
    byte outside the unreserved set percent-encoded (so '+' is %2B and a space %20)."""
    from urllib.parse import quote, urlencode

    text = f"{scheme}://{host}{quote(path, safe='/%:')}"
    if query:
        text += "?" + urlencode(query, quote_via=quote, safe="")
    return text


def sign_case(case):
    from huaweicloudsdkcore.auth.credentials import BasicCredentials
    from huaweicloudsdkcore.sdk_request import SdkRequest
    from huaweicloudsdkcore.signer.signer import Signer

    scheme = case.get("scheme", "https")
    ak, sk, date = case.get("ak", AK), case.get("sk", SK), case.get("date", DATE)
    given = dict(case["headers"])
    header_params = dict(given)
    header_params["X-Sdk-Date"] = date
    request = SdkRequest(
        method=case["method"],
        schema=scheme,
        host=case["host"],
        resource_path=case["path"],
        query_params=[tuple(pair) for pair in case["query"]],
        header_params=header_params,
        body=case["body"],
    )

    seen = {}
    originals = {}

    def record(method, key):
        # The descriptor as the class holds it (some are classmethods), restored afterwards.
        original = Signer.__dict__[method]
        originals[method] = original
        function = original.__func__ if isinstance(original, classmethod) else original

        def wrapper(*args, **kwargs):
            result = function(*args, **kwargs)
            seen[key] = result
            return result

        setattr(Signer, method, classmethod(wrapper) if isinstance(original, classmethod) else wrapper)

    record("_process_signed_headers", "signed_headers")
    record("_process_canonical_request", "canonical_request")
    record("_process_string_to_sign", "string_to_sign")
    record("_sign_string_to_sign", "signature")
    try:
        credentials = BasicCredentials(ak, sk, case["project_id"])
        signed = credentials.sign_request(request)
    finally:
        for method, original in originals.items():
            setattr(Signer, method, original)

    return {
        "name": case["name"],
        "description": case["description"],
        "input": {
            "method": case["method"],
            "url": url(scheme, case["host"], case["path"], case["query"]),
            "scheme": scheme,
            "host": case["host"],
            "path": case["path"],
            "query": [list(pair) for pair in case["query"]],
            "headers": given,
            "project_id": case["project_id"],
            "body": case["body"],
            "ak": ak,
            "sk": sk,
            "x_sdk_date": date,
        },
        "output": {
            "signed_headers": ";".join(seen["signed_headers"]),
            "canonical_request": seen["canonical_request"],
            "string_to_sign": seen["string_to_sign"],
            "signature": seen["signature"],
            "authorization": signed.header_params["Authorization"],
            "headers_sent": dict(signed.header_params),
            "uri_sent": signed.uri,
        },
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed JSON instead of writing it")
    args = parser.parse_args()

    try:
        from importlib.metadata import version

        installed = version("huaweicloudsdkcore")
    except Exception:  # noqa: BLE001 - any failure means the SDK is not there
        sys.exit(f"huaweicloudsdkcore is not installed: python3 -m pip install 'huaweicloudsdkcore=={PINNED_VERSION}'")
    if installed != PINNED_VERSION:
        sys.exit(f"huaweicloudsdkcore {installed} is installed; the vectors are made with {PINNED_VERSION}")

    document = {
        "about": "SDK-HMAC-SHA256 signatures made by the vendor's Python signer "
        "(huaweicloudsdkcore.signer.signer.Signer via BasicCredentials.sign_request) with fixed X-Sdk-Date; "
        "made by scripts/signing/make_vectors.py. 'input.url' is the request as a client sends it before "
        "signing; 'input.path' and 'input.query' are what the SDK was given (path raw, query decoded); "
        "'output.uri_sent' is the path and canonical query the SDK sends. The keys are fake.",
        "sdk": {"package": "huaweicloudsdkcore", "version": PINNED_VERSION},
        "vectors": [sign_case(copy.deepcopy(case)) for case in CASES],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            sys.exit(f"{OUT} differs from what huaweicloudsdkcore {PINNED_VERSION} makes: rerun without --check")
        print(f"{OUT.name}: {len(document['vectors'])} vectors match")
        return
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {len(document['vectors'])} vectors to {OUT}")


if __name__ == "__main__":
    main()
