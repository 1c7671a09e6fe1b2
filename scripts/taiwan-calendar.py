#!/usr/bin/env python3
"""Compiles Taiwan's office calendar into Sources/PetShop/Resources/taiwan_calendar.json.

    scripts/taiwan-calendar.py FILE.csv...

Each FILE is one year of 中華民國政府行政機關辦公日曆表 (the office calendar of the
Directorate-General of Personnel Administration, data.gov.tw dataset 14718) as
published: columns 西元日期, 星期, 是否放假 (2 = day off, 0 = working day), 備註; UTF-8
with a byte-order mark or Big5, as the years come. A later file of the same year
replaces an earlier one (the DGPA republishes a year when a law changes it).

Only what differs from an ordinary week is kept: a weekday off, a Saturday or Sunday
worked, and any day with a note. The generator computes everything else (weekends,
and years outside the files, from the holiday rules: Sources/PetShop/TaiwanCalendar.swift).
"""
import datetime
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parent.parent / "Sources/PetShop/Resources/taiwan_calendar.json"


def decode(raw):
    for encoding in ("utf-8-sig", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    sys.exit("taiwan-calendar: a file is neither UTF-8 nor Big5")


def read(path):
    lines = decode(pathlib.Path(path).read_bytes()).splitlines()
    if not lines or "西元日期" not in lines[0]:
        sys.exit(f"taiwan-calendar: {path} does not start with the office calendar's header (西元日期,星期,是否放假,備註)")
    days = {}
    for n, line in enumerate(lines[1:], start=2):
        cells = [c.strip() for c in line.split(",")]
        if not cells[0]:
            continue
        if len(cells) < 3 or cells[2] not in ("0", "2"):
            sys.exit(f"taiwan-calendar: {path} line {n}: expected 是否放假 0 or 2: {line}")
        day = datetime.datetime.strptime(cells[0], "%Y%m%d").date()
        days[day] = (cells[2] == "2", cells[3] if len(cells) > 3 else "")
    years = {d.year for d in days}
    if len(years) != 1:
        sys.exit(f"taiwan-calendar: {path} spans the years {sorted(years)}; expected one")
    year = years.pop()
    expected = (datetime.date(year, 12, 31) - datetime.date(year, 1, 1)).days + 1
    if len(days) != expected:
        sys.exit(f"taiwan-calendar: {path} has {len(days)} days of {year}, expected {expected}")
    return year, days


def main(paths):
    if not paths:
        sys.exit(__doc__)
    years = {}
    for p in paths:
        year, days = read(p)
        years[year] = (pathlib.Path(p).name, days)
    first, last = min(years), max(years)
    missing = sorted(set(range(first, last + 1)) - set(years))
    if missing:
        sys.exit(f"taiwan-calendar: no file for {missing}; the years must be consecutive")
    rows = []
    for year in sorted(years):
        for day, (off, note) in sorted(years[year][1].items()):
            if off != (day.isoweekday() >= 6) or note:
                rows.append([day.isoformat(), "off" if off else "work", note or None])
    doc = {
        "sources": [{
            "title": "中華民國政府行政機關辦公日曆表 (office calendar of the government's agencies)",
            "publisher": "行政院人事行政總處 (Directorate-General of Personnel Administration)",
            "url": "https://data.gov.tw/dataset/14718",
            "licence": "政府資料開放授權條款-第1版 (Open Government Data License, version 1.0), https://data.gov.tw/license",
            "via": "github:jacktdry/TaiwanCalendar, folder origin/, commit c93a65ece80cf22b8aefac0ee97356cc377617de "
                   "(the CSV files as downloaded from data.gov.tw)",
            "files": {str(y): years[y][0] for y in sorted(years)},
        }],
        "notes": [
            "Compiled by scripts/taiwan-calendar.py. Kept: each day that differs from an ordinary week "
            "(a weekday off, a Saturday or Sunday worked) and each day with a note (備註), as "
            "[date, off|work, note or null].",
            "2025 is the DGPA's revision of 2025-10-20, after the law of 2025 made 9/28, 10/25 and 12/25 days off again.",
        ],
        "first_year": first,
        "last_year": last,
        "days": rows,
    }
    text = json.dumps(doc, ensure_ascii=False, indent=None, separators=(",", ":"))
    OUT.write_text(text.replace('],["', '],\n["') + "\n", encoding="utf-8")
    print(f"taiwan-calendar: {len(rows)} days of {first}-{last} written to {OUT}")


main(sys.argv[1:])
