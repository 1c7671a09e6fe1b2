"""The reference of scripts/bench-report.sh: the pet-shop figures of `opslake report`
(docs/report.md) computed by DuckDB over the lake's CSV files, on 2 threads. Prints
them as one JSON object: orders, revenue, orders by hour, the funnel, per promotion type,
per (type, category), and each cohort's buyers per month.

Usage: python report_duckdb.py LAKE
"""
import glob
import json
import sys

import duckdb

lake = sys.argv[1]
con = duckdb.connect()
con.execute("SET threads = 2")


def table(name):
    files = glob.glob(f"{lake}/petshop/{name}/csv/dt=*/part-*.csv.zst")
    return f"read_csv({files!r}, hive_partitioning = true, all_varchar = true)"


orders, revenue = con.execute(f"SELECT count(*), sum(CAST(total AS BIGINT)) FROM {table('orders')}").fetchone()
by_hour = dict(con.execute(f"SELECT CAST(substr(ordered_at, 12, 2) AS INT), count(*) FROM {table('orders')} GROUP BY 1").fetchall())
con.execute(f"SELECT dt, count(*) FROM {table('promotion_calendar')} GROUP BY 1").fetchall()  # the calendar is read too
funnel = con.execute(f"""SELECT count(*), count(*) FILTER (v), count(*) FILTER (c), count(*) FILTER (p) FROM (
    SELECT session_id, bool_or(event_type = 'view') v, bool_or(event_type = 'add_to_cart') c, bool_or(event_type = 'purchase') p
    FROM {table('behavior_events')} GROUP BY session_id)""").fetchone()
types = con.execute(f"""SELECT promotion_type, count(*), sum(CAST(item_count AS BIGINT)), sum(CAST(quantity_total AS BIGINT))
    FROM {table('orders')} GROUP BY 1 ORDER BY 1""").fetchall()
mix = con.execute(f"""SELECT o.promotion_type, i.category, count(*), sum(CAST(i.quantity AS BIGINT))
    FROM {table('order_items')} i JOIN {table('orders')} o ON o.order_id = i.order_id GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
cohorts = con.execute(f"""WITH m AS (SELECT DISTINCT customer_id, substr(CAST(dt AS VARCHAR), 1, 7) AS month FROM {table('orders')}),
    f AS (SELECT customer_id, min(month) AS first FROM m GROUP BY 1)
    SELECT first, month, count(*) FROM m JOIN f USING (customer_id) GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
print(json.dumps({"orders": orders, "revenue": revenue, "hours": [by_hour.get(h, 0) for h in range(24)],
                  "funnel": list(funnel), "types": [list(t) for t in types], "categories": [list(c) for c in mix],
                  "cohorts": [list(c) for c in cohorts]}))
