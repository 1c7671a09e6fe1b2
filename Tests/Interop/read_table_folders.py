"""Points Spark, Polars, DuckDB and pandas at every table folder of a lake
(<lake>/<schema>/<table>/csv and .../ndjson) and checks that each reads exactly the
catalogue's rows on every dt, with dt taken from the dt= folder names and the columns
of the dataset's schema.

    python read_table_folders.py LAKE [--datasets a.b,c.d] [--readers spark,polars,duckdb,pandas]
                                      [--readme README.md]

The readers run the code the README shows under "Reading the lake from other tools":
the DuckDB and Spark calls below must appear there verbatim (with some
lake/<schema>/<table>/<format> path), and the pandas and Polars helpers are taken
from the README's Python blocks and run as they are.

Prints one line per reader and table folder, then a total per reader and format, and
exits 1 if any reader read other rows than the catalogue holds.
"""
import argparse
import ast
import json
import os
import re
import sqlite3
import sys
import time

# The calls the README shows, with the table folder as {folder}.
DUCKDB_CSV = "read_csv('{folder}/**/*.csv.zst', hive_partitioning = true, allow_quoted_nulls = false)"
DUCKDB_JSON = "read_json('{folder}/**/*.ndjson.zst', hive_partitioning = true)"
SPARK_CSV = 'spark.read.csv("{folder}", header=True, multiLine=True, escape=\'"\')'
SPARK_JSON = 'spark.read.json("{folder}")'
# Hadoop's own ZStandardCodec needs libhadoop built with zstd, which pip's pyspark lacks;
# the pure-Java codec in the aircompressor jar that Spark ships reads .zst instead.
SPARK_ZSTD = '.config("spark.hadoop.io.compression.codecs", "io.airlift.compress.zstd.ZstdCodec")'
TEMPLATES = [DUCKDB_CSV, DUCKDB_JSON, SPARK_CSV, SPARK_JSON]
README_PATH = r"lake/[a-z][a-z0-9_]*/[a-z][a-z0-9_]*/(?:csv|ndjson)"

parser = argparse.ArgumentParser()
parser.add_argument("lake")
parser.add_argument("--datasets", help="comma-separated datasets (default: every dataset in the catalogue)")
parser.add_argument("--readers", default="spark,polars,duckdb,pandas")
parser.add_argument("--readme", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md"),
                    help="the README whose snippets the readers run (default: the repository's)")
args = parser.parse_args()
lake = os.path.abspath(args.lake)
readers = args.readers.split(",")

# --- The catalogue: rows per dataset and dt, and each dataset's columns -------------
catalogue = sqlite3.connect(f"file:{lake}/_catalog.sqlite?mode=ro", uri=True)
schemas = {name: json.loads(text) for name, text in catalogue.execute("SELECT name, schema_json FROM datasets")}
# A dataset registered but never written (another domain's, say) has no table folder yet.
held = {name for (name,) in catalogue.execute("SELECT DISTINCT dataset FROM partitions")}
datasets = sorted(held) if not args.datasets else args.datasets.split(",")
expected = {d: {} for d in datasets}
for dataset, dt, rows in catalogue.execute("SELECT dataset, dt, rows FROM partitions ORDER BY dataset, dt"):
    # A partition without rows has files, but no reader returns a row for its dt.
    if dataset in expected and rows > 0:
        expected[dataset][dt] = rows
catalogue.close()

failures = []


def fail(message):
    failures.append(message)
    print("FAIL  " + message, flush=True)


# --- The README's snippets ----------------------------------------------------------
with open(args.readme, encoding="utf-8") as f:
    readme = f.read()
section = readme.split("## Reading the lake from other tools", 1)[-1].split("\n## ", 1)[0]
for template in TEMPLATES + [SPARK_ZSTD]:
    pattern = re.escape(template).replace(re.escape("{folder}"), README_PATH)
    if not re.search(pattern, section):
        fail(f"README: the section does not show {template}")
# Each Python block's definitions (imports, functions, UPPER_CASE constants), not its examples.
readme_defs = {}
for block in re.findall(r"```python\n(.*?)```", section, re.S):
    tree = ast.parse(block)
    tree.body = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef))
                 or (isinstance(n, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in n.targets))]
    exec(compile(tree, args.readme, "exec"), readme_defs)
for name, reader in [("read_table_folder", "pandas"), ("scan_table_folder", "polars"), ("polars_schema", "polars")]:
    if reader in readers and name not in readme_defs:
        fail(f"README: no {name} for {reader}")


def folders():
    for dataset in datasets:
        schema, table = dataset.split(".")
        for fmt in ("csv", "ndjson"):
            yield dataset, fmt, f"{lake}/{schema}/{table}/{fmt}"


totals = {}


def check(reader, dataset, fmt, folder, counts, columns, seconds):
    """counts: {dt text: rows} as the reader grouped them; columns: the data columns it found."""
    label = f"{reader:7} {os.path.relpath(folder, lake)}"
    totals[(reader, fmt)] = totals.get((reader, fmt), 0) + sum(counts.values())
    want = expected[dataset]
    wrong = [f"dt={dt} read {counts.get(dt, 0)}, catalogue {want.get(dt, 0)}"
             for dt in sorted(set(want) | set(counts)) if counts.get(dt, 0) != want.get(dt, 0)]
    schema_columns = [f["name"] for f in schemas[dataset]["fields"]]
    if sorted(columns) != sorted(schema_columns):
        wrong.append(f"columns {sorted(columns)}, schema {sorted(schema_columns)}")
    if wrong:
        fail(f"{label}: " + "; ".join(wrong))
    else:
        print(f"ok    {label}: {len(counts)} dt, {sum(counts.values())} rows ({seconds:.1f} s)", flush=True)


def run(reader, body):
    started = time.monotonic()
    for dataset, fmt, folder in folders():
        folder_started = time.monotonic()
        try:
            counts, columns = body(fmt, folder)
        except Exception as e:  # a reader that cannot read a folder fails that folder
            fail(f"{reader:7} {os.path.relpath(folder, lake)}: {type(e).__name__}: {str(e).splitlines()[0][:300]}")
            continue
        check(reader, dataset, fmt, folder, counts, columns, time.monotonic() - folder_started)
    print(f"time  {reader}: {time.monotonic() - started:.1f} s", flush=True)


# --- DuckDB -----------------------------------------------------------------------------
if "duckdb" in readers:
    import duckdb

    con = duckdb.connect()

    def duckdb_counts(fmt, folder):
        source = (DUCKDB_CSV if fmt == "csv" else DUCKDB_JSON).format(folder=folder)
        counts = dict(con.execute(f"SELECT CAST(dt AS VARCHAR), count(*) FROM {source} GROUP BY ALL").fetchall())
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall() if r[0] != "dt"]
        return counts, columns

    print(f"duckdb {duckdb.__version__}")
    run("duckdb", duckdb_counts)

# --- pandas (the README's read_table_folder) ---------------------------------------
if "pandas" in readers:
    import pandas as pd

    read_table_folder = readme_defs.get("read_table_folder")

    def pandas_counts(fmt, folder):
        df = read_table_folder(folder)
        counts = {str(dt): int(n) for dt, n in df.groupby("dt").size().items()}
        return counts, [c for c in df.columns if c != "dt"]

    print(f"pandas {pd.__version__}")
    if read_table_folder:
        run("pandas", pandas_counts)

# --- Polars (the README's polars_schema and scan_table_folder) -------------------------
if "polars" in readers:
    import polars as pl

    scan_table_folder, polars_schema = readme_defs.get("scan_table_folder"), readme_defs.get("polars_schema")

    def polars_counts(fmt, folder):
        schema, table = os.path.relpath(folder, lake).split("/")[:2]
        df = scan_table_folder(folder, polars_schema(lake, f"{schema}.{table}")).collect()
        counts = {str(dt): n for dt, n in df.group_by("dt").len().iter_rows()}
        return counts, [c for c in df.columns if c != "dt"]

    print(f"polars {pl.__version__}")
    if scan_table_folder and polars_schema:
        run("polars", polars_counts)

# --- Spark: one local session for every folder ---------------------------------------
if "spark" in readers:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    started = time.monotonic()
    spark = eval("""(SparkSession.builder.master("local[2]").appName("opslake-interop")
        .config("spark.driver.memory", "512m")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")  # short job: C1 halves the time
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        """ + SPARK_ZSTD + """
        .getOrCreate())""")
    spark.sparkContext.setLogLevel("ERROR")
    print(f"spark {spark.version} (started in {time.monotonic() - started:.1f} s)", flush=True)

    def spark_counts(fmt, folder):
        df = eval((SPARK_CSV if fmt == "csv" else SPARK_JSON).format(folder=folder), {"spark": spark})
        counts = {str(r["dt"]): r["count"] for r in df.groupBy("dt").count().collect()}
        return counts, [c for c in df.columns if c != "dt"]

    run("spark", spark_counts)
    spark.stop()

# --- Totals: each format holds every row of the catalogue ----------------------------
total = sum(sum(v.values()) for v in expected.values())
for (reader, fmt), n in sorted(totals.items()):
    print(f"total {reader} {fmt}: {n} rows, catalogue {total}" + ("" if n == total else "  DIFFERENT"))
    if n != total:
        failures.append(f"{reader} {fmt} total")
print(f"{len(failures)} failures" if failures else "every reader read every table folder exactly")
sys.exit(1 if failures else 0)
