#!/usr/bin/env python3
"""The vendor's own Python SDK for CBR (huaweicloudsdkcbr) lists backups from the mock.

Run by cbr_sdk_against_mock.sh, which installs the pinned SDK into a venv and starts the mock
with an AK/SK pair and a token bound to one project (--seed-examples). This script:

1. lists backups with the SDK's CbrClient and BasicCredentials(ak, sk, project_id), the
   endpoint overridden to the mock's plain-http loopback address: the SDK signs the request
   (SDK-HMAC-SHA256, X-Sdk-Date, X-Project-Id) and the mock must accept it (200) and answer
   the project's backups, the same ones a token reads;
2. lists again with a query the SDK signs in its canonical form: limit, offset, sort, and a
   repeated status (ListBackupsRequest types status as one string, so the repeat goes through
   the SDK's own call path with the 'multi' collection format the SDK uses elsewhere);
3. signs with a wrong secret key, and with an unknown access key: the mock must refuse
   both with 401 APIGW.0301, and its message must not echo a secret key.

Exits non-zero on any failure. The keys are fake: test data, not credentials.
"""

import argparse
import json
import sys
import urllib.request

from huaweicloudsdkcore.auth.credentials import BasicCredentials
from huaweicloudsdkcore.exceptions import exceptions
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcbr.v1 import CbrClient, ListBackupsRequest

UNAUTHORIZED = "APIGW.0301"


def client(endpoint, ak, sk, project):
    config = HttpConfig.get_default_config()
    config.timeout = (5, 20)
    # with_endpoints keeps an endpoint that starts with "http" as given (no https, no region).
    return (
        CbrClient.new_builder()
        .with_http_config(config)
        .with_credentials(BasicCredentials(ak, sk, project))
        .with_endpoints([endpoint])
        .build()
    )


def ids_by_token(endpoint, project, token, query=""):
    """The backup IDs a token reads, straight over HTTP (the reference for the SDK's answer)."""
    request = urllib.request.Request(
        f"{endpoint}/v3/{project}/backups{query}", headers={"X-Auth-Token": token, "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=20) as answer:
        body = json.load(answer)
    return [b["id"] for b in body["backups"]], body["count"]


def refused(what, call, secrets):
    try:
        call()
    except exceptions.ClientRequestException as e:
        text = str(e)
        if e.status_code != 401 or e.error_code != UNAUTHORIZED:
            raise AssertionError(f"{what}: expected 401 {UNAUTHORIZED}, got {e.status_code} {e.error_code}: {e.error_msg}")
        if any(s in text for s in secrets):
            raise AssertionError(f"{what}: the error echoes a secret key")
        print(f"ok   {what}: 401 {e.error_code} {e.error_msg}")
        return
    raise AssertionError(f"{what}: the mock accepted it")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--ak", required=True)
    parser.add_argument("--sk", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--token", required=True, help="a token of the same project, for the reference list")
    args = parser.parse_args()

    sdk = client(args.endpoint, args.ak, args.sk, args.project)

    # 1. A plain list: signed by the SDK, accepted, the project's backups.
    response = sdk.list_backups(ListBackupsRequest())
    if response.status_code != 200:
        raise AssertionError(f"list_backups: expected 200, got {response.status_code}")
    got = [b.id for b in response.backups]
    want, want_count = ids_by_token(args.endpoint, args.project, args.token)
    if not got or got != want or response.count != want_count:
        raise AssertionError(f"list_backups: the SDK read {got} (count {response.count}), a token reads {want} ({want_count})")
    projects = {b.project_id for b in response.backups}
    if projects != {args.project}:
        raise AssertionError(f"list_backups: backups of other projects: {projects}")
    print(f"ok   list_backups signed by huaweicloudsdkcbr: 200, {response.count} backups of project {args.project}, "
          f"the same a token reads: {', '.join(got)}")

    # 2. A query the SDK signs in canonical form, with status repeated.
    request = ListBackupsRequest(limit=2, offset=0, sort="created_at:desc")
    request.status = ["available", "error"]
    http_info = CbrClient._list_backups_http_info(request)
    http_info["collection_formats"] = dict(http_info.get("collection_formats") or {}, status="multi")
    response = sdk._call_api(**http_info)
    if response.status_code != 200:
        raise AssertionError(f"list_backups with a query: expected 200, got {response.status_code}")
    got = [b.id for b in response.backups]
    want, want_count = ids_by_token(
        args.endpoint, args.project, args.token, "?limit=2&offset=0&sort=created_at:desc&status=available&status=error"
    )
    if got != want or response.count != want_count or len(got) > 2:
        raise AssertionError(f"list_backups with a query: the SDK read {got} ({response.count}), a token reads {want} ({want_count})")
    if any(b.status not in ("available", "error") for b in response.backups):
        raise AssertionError("list_backups with a query: a backup of another status")
    print(f"ok   list_backups?limit=2&offset=0&sort=created_at:desc&status=available&status=error signed by the SDK: "
          f"200, {len(got)} of {response.count} backups")

    # 3. Wrong secret key, unknown access key: 401, no secret echoed.
    wrong = args.sk[::-1]
    refused("a wrong secret key", lambda: client(args.endpoint, args.ak, wrong, args.project).list_backups(ListBackupsRequest()),
            [args.sk, wrong])
    refused("an unknown access key", lambda: client(args.endpoint, "AKUNKNOWNTOTHEMOCK00", args.sk, args.project)
            .list_backups(ListBackupsRequest()), [args.sk])
    print("passed: the vendor's SDK signs list-backups requests the mock accepts, and wrong keys are refused")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, exceptions.SdkException) as e:
        print(f"FAILED {e}", file=sys.stderr)
        sys.exit(1)
