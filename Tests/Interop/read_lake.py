"""Reads an OpsLake partition with DuckDB and pandas and compares every cell
with the rows OpsLake meant to write (an uncompressed NDJSON file of them).

    python read_lake.py LAKE SCHEMA.TABLE EXPECTED.ndjson

Exits 0 when every reader returns the same rows; prints the first difference otherwise.
"""
import datetime
import glob as globmod
import json
import math
import sys

import duckdb
import pandas as pd

lake, dataset, expected_path = sys.argv[1:4]
schema, table = dataset.split(".")
with open(expected_path, encoding="utf-8") as f:
    lines = [line for line in f.read().split("\n") if line]
# Numbers keep their exact text, as the CSV holds them; `typed` keeps JSON's own types.
expected = [json.loads(line, parse_int=str, parse_float=str) for line in lines]
typed = [json.loads(line) for line in lines]
columns = list(expected[0].keys()) if expected else []


def text(v):
    """The CSV text of an expected JSON value (None stays None)."""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return v


failures = []


def compare(reader, got_rows, normalise=lambda v: v):
    if len(got_rows) != len(expected):
        failures.append(f"{reader}: {len(got_rows)} rows, expected {len(expected)}")
        return
    for i, (got, want) in enumerate(zip(got_rows, expected)):
        for c in columns:
            g, w = normalise(got[c]), normalise(text(want[c]))
            if g != w:
                failures.append(f"{reader}: row {i + 1} column {c}: got {g!r}, expected {w!r}")
                return


glob_csv = f"{lake}/{schema}/{table}/csv/*/*.csv.zst"
glob_json = f"{lake}/{schema}/{table}/ndjson/*/*.ndjson.zst"
con = duckdb.connect()

# DuckDB, CSV as text: quoting, NULL (unquoted empty) and "" (empty string) exactly.
rel = con.execute(
    f"SELECT * FROM read_csv('{glob_csv}', hive_partitioning=true, all_varchar=true, header=true, allow_quoted_nulls=false)"
)
names = [d[0] for d in rel.description]
rows = [dict(zip(names, r)) for r in rel.fetchall()]
if rows and "dt" not in rows[0]:
    failures.append("duckdb csv: no dt column from the hive partition folder")
compare("duckdb read_csv", rows)

# DuckDB, CSV with types inferred: integers must come back as integers.
rel = con.execute(f"SELECT * FROM read_csv('{glob_csv}', hive_partitioning=true)")
if len(rel.fetchall()) != len(expected):
    failures.append("duckdb typed read_csv: wrong row count")

# DuckDB, NDJSON.
rel = con.execute(
    f"SELECT * FROM read_json('{glob_json}', format='newline_delimited', hive_partitioning=true)"
)
names = [d[0] for d in rel.description]
rows = [dict(zip(names, r)) for r in rel.fetchall()]


string_columns = [c for c in columns if all(isinstance(r[c], (str, type(None))) for r in typed)]
integer_columns = [c for c in columns if all(isinstance(r[c], (int, type(None))) and not isinstance(r[c], bool) for r in typed)]
if len(rows) != len(expected):
    failures.append(f"duckdb read_json: {len(rows)} rows, expected {len(expected)}")
else:
    for i, (got, want) in enumerate(zip(rows, expected)):
        for c in string_columns + integer_columns:
            w = typed[i][c]
            g = got[c]
            if isinstance(g, datetime.datetime) and w is not None:
                g, w = g.timestamp(), datetime.datetime.fromisoformat(w).timestamp()
            elif isinstance(g, datetime.date):
                g = g.isoformat()
            if g != w and not (c in string_columns and isinstance(g, (int, float))):
                failures.append(f"duckdb read_json: row {i + 1} column {c}: got {got[c]!r}, expected {w!r}")
                break

# pandas: every cell as text. pandas reads NULL and "" alike as missing.
frames = []
for path in sorted(globmod.glob(glob_csv)):
    frames.append(pd.read_csv(path, compression="zstd", dtype=str, keep_default_na=False, na_values=[""]))
df = pd.concat(frames) if frames else pd.DataFrame(columns=columns)
rows = df.to_dict("records")


def pandas_norm(v):
    if v is None or v == "" or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return v


compare("pandas read_csv", rows, normalise=pandas_norm)

for f in failures:
    print(f)
print(f"{len(expected)} rows checked with duckdb {duckdb.__version__} and pandas {pd.__version__}: "
      + ("ok" if not failures else f"{len(failures)} differences"))
sys.exit(1 if failures else 0)
