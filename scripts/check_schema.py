#!/usr/bin/env python3
"""Validates a JSON document on standard input against a schema in docs/schema/ (its
references to the other schemas there resolved locally). Prints each problem with its
path and exits 1 when there is one. Usage: scripts/check_schema.py status.schema.json"""
import json, pathlib, sys, warnings

import jsonschema

DIR = pathlib.Path(__file__).resolve().parent.parent / "docs" / "schema"
schemas = {p.name: json.loads(p.read_text()) for p in DIR.glob("*.schema.json")}
schema = schemas[sys.argv[1]]
doc = json.load(sys.stdin)
checker = jsonschema.FormatChecker()
try:  # jsonschema ≥ 4.18 resolves references through `referencing`.
    from referencing import Registry, Resource
    registry = Registry().with_resources((s["$id"], Resource.from_contents(s)) for s in schemas.values())
    validator = jsonschema.Draft202012Validator(schema, registry=registry, format_checker=checker)
except ImportError:  # Debian bookworm's 4.10
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        resolver = jsonschema.RefResolver.from_schema(schema, store={s["$id"]: s for s in schemas.values()})
    validator = jsonschema.Draft202012Validator(schema, resolver=resolver, format_checker=checker)
errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
for e in errors:
    print(f"{sys.argv[1]}: at /{'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
sys.exit(1 if errors else 0)
