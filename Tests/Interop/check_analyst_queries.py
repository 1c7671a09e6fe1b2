"""Runs the queries of docs/analyst-queries.md in DuckDB over a lake and, given a
database, in PostgreSQL after `opslake load`, and requires the same answer from both.

    python check_analyst_queries.py LAKE [DBNAME]

The document's blocks are ```sql, with a first line `-- setup: duckdb`,
`-- setup: postgres` or `-- query: NAME`. DuckDB's set-up reads `lake/...`; the lake's
path is put there. PostgreSQL runs through psql (PGHOST, PGPORT and PGUSER from the
environment). Every query must return rows; rows are compared as sets, numbers within
the rounding their text shows. Prints one line per query and exits 1 on the first
disagreement.
"""
import csv
import io
import os
import re
import subprocess
import sys

import duckdb

lake = sys.argv[1]
database = sys.argv[2] if len(sys.argv) > 2 else None
doc = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "analyst-queries.md"), encoding="utf-8").read()
blocks = re.findall(r"```sql\n(.*?)```", doc, re.S)
setup, queries = {}, []
for b in blocks:
    first, _, body = b.partition("\n")
    if m := re.fullmatch(r"-- setup: (duckdb|postgres)", first.strip()):
        setup[m.group(1)] = body
    elif m := re.fullmatch(r"-- query: (\w+)", first.strip()):
        queries.append((m.group(1), body))
    else:
        sys.exit(f"a sql block of docs/analyst-queries.md starts with {first!r}, not -- setup: or -- query:")
if set(setup) != {"duckdb", "postgres"} or len(queries) < 5:
    sys.exit(f"docs/analyst-queries.md: set-ups {sorted(setup)}, {len(queries)} queries")


def fail(message):
    print("FAIL", message)
    sys.exit(1)


con = duckdb.connect()
con.execute(setup["duckdb"].replace("'lake/", "'" + lake.rstrip("/") + "/"))


def text(v):
    return "" if v is None else str(v)


def same(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    places = max(len(s.partition(".")[2]) for s in (a, b))
    return places > 0 and abs(x - y) <= 1.0001 * 10 ** -places


for name, sql in queries:
    rows = sorted(tuple(text(v) for v in r) for r in con.execute(sql).fetchall())
    if not rows:
        fail(f"{name}: DuckDB returned no rows")
    line = f"ok {name}: {len(rows)} rows in DuckDB"
    if database:
        r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-d", database, "-c", setup["postgres"] + sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"{name}: psql: {r.stderr.strip()}")
        pg = sorted(tuple(row) for row in list(csv.reader(io.StringIO(r.stdout)))[1:])
        if len(pg) != len(rows) or not all(len(p) == len(d) and all(same(x, y) for x, y in zip(p, d)) for p, d in zip(pg, rows)):
            diff = [(p, d) for p, d in zip(pg, rows) if p != d][:3]
            fail(f"{name}: PostgreSQL and DuckDB differ ({len(pg)} and {len(rows)} rows; first differences {diff})")
        line += ", the same in PostgreSQL"
    print(line)
