"""Checks every table schema with the frictionless package.

    python check_schemas.py SCHEMAS_DIR
"""
import glob
import json
import sys

from frictionless import Schema

paths = sorted(glob.glob(f"{sys.argv[1]}/*/*.json"))
bad = 0
for path in paths:
    with open(path, encoding="utf-8") as f:
        report = Schema.validate_descriptor(json.load(f))
    if not report.valid:
        bad += 1
        for kind, note in report.flatten(["type", "note"]):
            print(f"{path}: {kind}: {note}")
print(f"{len(paths)} schemas checked with frictionless: " + ("ok" if not bad else f"{bad} invalid"))
sys.exit(1 if bad or not paths else 0)
