#!/usr/bin/env python3
"""The differential test's oracle: pySigma's SQLite backend turns each Sigma rule into SQL, run over the same events.

Input (argv[1], JSON): {"sources": {NAME: {"columns": [...], "numeric": [...], "rows": [[id, v1, v2, ...], ...]}},
                        "rules": [{"key": K, "source": NAME, "file": PATH, "document": N}, ...]}
Each row's values follow "columns"; the column "_raw" is the raw line (keywords search it); "loose" columns (Windows
record fields, text that may be a number) get NUMERIC affinity.
Output (stdout, JSON): {K: {"ids": [...]} or {"error": "why the oracle could not run the rule"}}.
"""
import json
import re
import sqlite3
import sys

import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection


def regexp(pattern, value):
    if value is None:
        return False
    return re.search(pattern, str(value)) is not None


def main():
    spec = json.load(open(sys.argv[1]))
    db = sqlite3.connect(":memory:")
    db.create_function("REGEXP", 2, regexp, deterministic=True)
    tables = {}
    for n, (name, src) in enumerate(sorted(spec["sources"].items())):
        table = f"t{n}"
        tables[name] = table
        # Windows record fields are text that may hold numbers (LogonType 3, EventID-like ids): NUMERIC affinity
        # compares '3' with 3 as Windows tools do, and leaves other text as text.
        loose = set(src.get("loose", []))
        cols = ", ".join(
            f'"{c}"'
            + ("" if c in src["numeric"] else " NUMERIC COLLATE NOCASE" if c in loose else " COLLATE NOCASE")
            for c in src["columns"]
        )
        db.execute(f'CREATE TABLE {table} (_id INTEGER PRIMARY KEY, {cols})')
        marks = ", ".join("?" for _ in range(len(src["columns"]) + 1))
        db.executemany(f"INSERT INTO {table} VALUES ({marks})", src["rows"])
    out = {}
    docs = {}
    for r in spec["rules"]:
        key = r["key"]
        try:
            if r["file"] not in docs:
                docs[r["file"]] = list(yaml.safe_load_all(open(r["file"], encoding="utf-8")))
            doc = docs[r["file"]][r["document"] - 1]
            backend = sqliteBackend(table=tables[r["source"]], fulltext_field="_raw", collate_nocase=True)
            queries = backend.convert(SigmaCollection.from_dicts([doc]))
            ids = set()
            for q in queries:
                for row in db.execute(q):
                    ids.add(row[0])
            out[key] = {"ids": sorted(ids)}
        except Exception as e:  # the oracle's own limits are reported, not hidden
            out[key] = {"error": f"{type(e).__name__}: {e}"[:300]}
    json.dump(out, sys.stdout)


main()
