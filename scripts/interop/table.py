"""Prints the generator x check table of scripts/interop.sh from the drivers' result rows, then
every failure in full. Exits 1 when a check failed (or a generator has no rows at all).

    python table.py RESULTS.json...
"""

import json
import sys

GENERATORS = [
    ("openapi-python-client", "opc"),
    ("openapi-generator python", "og-python"),
    ("openapi-generator typescript-fetch", "og-ts-fetch"),
    ("openapi-typescript + openapi-fetch", "openapi-ts"),
]


def main():
    rows = [row for path in sys.argv[1:] for row in json.load(open(path))]
    checks = list(dict.fromkeys(row["check"] for row in rows))
    cell = {(r["generator"], r["check"]): r for r in rows}
    width = max(len(c) for c in checks)
    print(" " * width + " | " + " | ".join(f"{short:^11}" for _, short in GENERATORS))
    print("-" * width + "-|-" + "-|-".join("-" * 11 for _ in GENERATORS))
    for check in checks:
        marks = []
        for name, _ in GENERATORS:
            row = cell.get((name, check))
            if row is None:
                marks.append(f"{'-':^11}")
            else:
                count = row["detail"].split(";")[0] if row["detail"][:1].isdigit() and "/" in row["detail"].split(";")[0] else ""
                mark = ("pass" if row["ok"] else "FAIL") + (f" {count}" if count and "/" in count else "")
                marks.append(f"{mark:^11}")
        print(f"{check:<{width}} | " + " | ".join(marks))
    print("\n" + "; ".join(f"{short} = {name}" for name, short in GENERATORS))
    failed = [r for r in rows if not r["ok"]]
    missing = [name for name, _ in GENERATORS if not any(r["generator"] == name for r in rows)]
    for r in failed:
        print(f"\nFAIL {r['generator']} / {r['check']}:\n  {r['detail']}")
    for name in missing:
        print(f"\nFAIL {name}: no results")
    passed = len(rows) - len(failed)
    print(f"\n{passed} passed, {len(failed)} failed")
    sys.exit(1 if failed or missing else 0)


if __name__ == "__main__":
    main()
