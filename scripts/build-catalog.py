#!/usr/bin/env python3
"""Builds templates/catalog/api-methods.json from the platform's method list.

usage: scripts/build-catalog.py [SOURCE] [OUTPUT]
SOURCE defaults to ../shared/data/jelastic-api-methods.json, OUTPUT to templates/catalog/api-methods.json.
One method per line, sorted by name, so that a change to the catalog reads as a short diff. Then runs
scripts/gen-templates.py, which compiles the templates into the binary's source.
"""
import json
import pathlib
import subprocess
import sys

root = pathlib.Path(__file__).resolve().parent.parent
source = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared/data/jelastic-api-methods.json"
output = pathlib.Path(sys.argv[2]) if len(sys.argv) > 2 else root / "templates/catalog/api-methods.json"

data = json.loads(source.read_text())
methods = sorted(data["methods"], key=lambda m: m["method"])
names = [m["method"] for m in methods]
if len(set(names)) != len(names) or len(names) != data["count"]:
    sys.exit(f"{source}: expected {data['count']} distinct methods, found {len(set(names))}")
for name in names:
    if len(name.split(".")) != 3:
        sys.exit(f"{source}: {name} is not group.Service.Method")

lines = [
    "{",
    f'  "source": {json.dumps(data["source"])},',
    f'  "naming": {json.dumps(data["naming"])},',
    f'  "count": {len(methods)},',
    '  "methods": [',
]
rows = [f'    {{"name": {json.dumps(m["method"])}, "params": {json.dumps(m["params"])}}}' for m in methods]
lines.append(",\n".join(rows))
lines += ["  ]", "}"]
output.parent.mkdir(parents=True, exist_ok=True)
output.write_text("\n".join(lines) + "\n")
print(f"{output}: {len(methods)} methods")
# The binary carries the templates as Swift source: regenerate it from the new catalog.
subprocess.run([sys.executable, str(root / "scripts/gen-templates.py")], check=True)
