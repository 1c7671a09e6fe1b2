"""Reads an `opslake export` folder with pandas, DuckDB and frictionless.

    python check_export.py DIR EXPECTED.json

EXPECTED.json is `opslake export --json` output: the files with their rows. Checks
that each reader sees exactly those rows, the types the datapackage declares, the
Traditional Chinese text intact, Excel's limits when the files carry a BOM, and
that frictionless validates the whole package. Prints one line per file and exits 1
on the first disagreement.
"""
import json
import os
import sys

import duckdb
import pandas as pd
from frictionless import validate

folder, expected_path = sys.argv[1], sys.argv[2]
with open(expected_path, encoding="utf-8") as f:
    expected = {e["path"]: e for e in json.load(f)}
with open(os.path.join(folder, "datapackage.json"), encoding="utf-8") as f:
    package = json.load(f)

def fail(message):
    print("FAIL", message)
    sys.exit(1)

resources = {r["path"]: r for r in package["resources"]}
if set(resources) != set(expected):
    fail(f"datapackage lists {sorted(resources)}, the export wrote {sorted(expected)}")

duck_types = {"date": "DATE", "integer": "BIGINT", "datetime": "TIMESTAMP WITH TIME ZONE", "boolean": "BOOLEAN",
              "number": "DOUBLE", "string": "VARCHAR"}
cjk = 0
for path, resource in sorted(resources.items()):
    full = os.path.join(folder, path)
    rows = expected[path]["rows"]
    fields = resource["schema"]["fields"]
    names = [fl["name"] for fl in fields]
    with open(full, "rb") as f:
        head = f.read(3)
    bom = resource.get("encoding") == "utf-8-sig"
    if (head == b"\xef\xbb\xbf") != bom:
        fail(f"{path}: byte-order mark {'missing' if bom else 'unexpected'}")
    if resource["format"] == "csv":
        with open(full, "rb") as f:
            lines = sum(1 for _ in f)
        if bom and lines > 1_048_576:
            fail(f"{path}: {lines} lines, more than Excel's 1,048,576")
        frame = pd.read_csv(full, encoding=resource["encoding"], dtype=str, keep_default_na=False)
        types = {r[0]: r[1] for r in duckdb.sql(
            f"DESCRIBE SELECT * FROM read_csv('{full}', header=true, allow_quoted_nulls=false)").fetchall()}
        count = duckdb.sql(f"SELECT count(*) FROM read_csv('{full}', header=true, allow_quoted_nulls=false)").fetchall()[0][0]
        # DuckDB's own type sniffing must find the dates, integers and timestamps (as a BI tool would).
        for fl in fields:
            want, got = duck_types[fl["type"]], types.get(fl["name"])
            # Only typed columns that hold values: a column of nulls is sniffed as VARCHAR.
            if fl["type"] in ("date", "integer", "datetime") and frame[fl["name"]].ne("").any() and got != want:
                fail(f"{path}: DuckDB reads {fl['name']} as {got}, want {want}")
    else:
        frame = pd.read_json(full, lines=True, dtype=False)
        count = duckdb.sql(f"SELECT count(*) FROM read_json('{full}', format='newline_delimited')").fetchall()[0][0]
        if rows and list(frame.columns) != names:
            fail(f"{path}: pandas sees columns {list(frame.columns)}, want {names}")
    if len(frame) != rows or count != rows:
        fail(f"{path}: pandas read {len(frame)} rows, DuckDB {count}, the export wrote {rows}")
    if rows and list(frame.columns) != names:
        fail(f"{path}: columns {list(frame.columns)}, want {names}")
    for fl in fields:
        if fl["type"] == "string" and rows:
            cjk += frame[fl["name"]].astype(str).str.contains("[\u4e00-\u9fff]", regex=True).sum()
    print(f"ok {path}: {rows} rows")

report = validate(os.path.join(folder, "datapackage.json"))
if not report.valid:
    for row in report.flatten(["type", "note"])[:10]:
        print(row)
    fail("frictionless finds the package invalid")
print(f"frictionless: valid; {cjk} text cells with Traditional Chinese")
if os.environ.get("EXPECT_CJK") == "1" and cjk == 0:
    fail("no Traditional Chinese text came through")
