"""BACKWARD compatibility: can a reader on the new schema decode data written with the old one?

Follows the Avro specification's schema-resolution rules; the Confluent registry's BACKWARD
level means exactly this check against the previous version.
"""
from __future__ import annotations

from typing import Any

PROMOTIONS = {
    "int": {"long", "float", "double"},
    "long": {"float", "double"},
    "float": {"double"},
    "string": {"bytes"},
    "bytes": {"string"},
}


def _kind(schema: Any) -> str:
    if isinstance(schema, list):
        return "union"
    if isinstance(schema, dict):
        return str(schema["type"]) if isinstance(schema["type"], str) else _kind(schema["type"])
    return str(schema)


def _named(schema: Any, names: dict[str, Any]) -> Any:
    """Resolve named-type references and unwrap ``{"type": "string"}`` style primitives."""
    if isinstance(schema, str) and schema in names:
        return names[schema]
    if isinstance(schema, dict):
        if "name" in schema and schema.get("type") in ("record", "enum", "fixed"):
            full = schema["name"] if "." in schema["name"] else f"{schema.get('namespace', '')}.{schema['name']}"
            names.setdefault(full, schema)
            names.setdefault(schema["name"], schema)
        if isinstance(schema.get("type"), (dict, list)):
            return _named(schema["type"], names)
        if schema.get("type") not in ("record", "enum", "fixed", "array", "map"):
            return schema["type"]
    return schema


def backward_problems(reader: Any, writer: Any, path: str = "$",
                      rnames: dict[str, Any] | None = None, wnames: dict[str, Any] | None = None) -> list[str]:
    """Reasons why ``reader`` cannot read data written with ``writer``; empty when compatible."""
    rnames = {} if rnames is None else rnames
    wnames = {} if wnames is None else wnames
    r, w = _named(reader, rnames), _named(writer, wnames)
    rk, wk = _kind(r), _kind(w)
    if wk == "union":
        problems: list[str] = []
        for i, branch in enumerate(w):
            problems += backward_problems(r, branch, f"{path}|{i}", rnames, wnames)
        return problems
    if rk == "union":
        for branch in r:
            if not backward_problems(branch, w, path, dict(rnames), dict(wnames)):
                return []
        return [f"{path}: no branch of the new union reads old type {wk}"]
    if rk != wk:
        if wk in PROMOTIONS and rk in PROMOTIONS[wk]:
            return []
        return [f"{path}: type changed from {wk} to {rk}"]
    if rk == "record":
        problems = []
        wfields = {f["name"]: f for f in w["fields"]}
        for wf in w["fields"]:
            for alias in wf.get("aliases", []):
                wfields.setdefault(alias, wf)
        for rf in r["fields"]:
            match = wfields.get(rf["name"]) or next(
                (wfields[a] for a in rf.get("aliases", []) if a in wfields), None)
            if match is None:
                if "default" not in rf:
                    problems.append(f"{path}.{rf['name']}: new field without a default")
                continue
            problems += backward_problems(rf["type"], match["type"], f"{path}.{rf['name']}", rnames, wnames)
        return problems
    if rk == "enum":
        missing = set(w["symbols"]) - set(r["symbols"])
        if missing and "default" not in r:
            return [f"{path}: enum symbols removed without a default: {sorted(missing)}"]
        return []
    if rk == "array":
        return backward_problems(r["items"], w["items"], f"{path}[]", rnames, wnames)
    if rk == "map":
        return backward_problems(r["values"], w["values"], f"{path}{{}}", rnames, wnames)
    if rk == "fixed" and r["size"] != w["size"]:
        return [f"{path}: fixed size changed from {w['size']} to {r['size']}"]
    return []
