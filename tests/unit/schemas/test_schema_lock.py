import copy
import re

import pytest

from schemas import SchemaError, raw_schema
from schemas.compat import backward_problems
from schemas.lock import load_lock, lock_problems, updated_lock

BASE = {"type": "record", "name": "R", "namespace": "t", "fields": [
    {"name": "a", "type": "string"},
    {"name": "n", "type": "int"},
    {"name": "kind", "type": {"type": "enum", "name": "K", "symbols": ["x", "y"]}},
    {"name": "tags", "type": {"type": "array", "items": "string"}},
    {"name": "opt", "type": ["null", "string"], "default": None},
]}


def changed(fn):
    schema = copy.deepcopy(BASE)
    fn(schema)
    return schema


@pytest.mark.parametrize("mutate", [
    lambda s: s["fields"].append({"name": "b", "type": "string", "default": ""}),
    lambda s: s["fields"].pop(0),
    lambda s: s["fields"][1].update(type="long"),
    lambda s: s["fields"][2]["type"]["symbols"].append("z"),
    lambda s: s["fields"][4].update(type=["null", "string", "int"]),
])
def test_backward_compatible_changes_pass(mutate):
    assert backward_problems(changed(mutate), BASE) == []


@pytest.mark.parametrize("mutate,expect", [
    (lambda s: s["fields"].append({"name": "b", "type": "string"}), "without a default"),
    (lambda s: s["fields"][0].update(type="int"), "type changed"),
    (lambda s: s["fields"][1].update(type="string"), "type changed"),
    (lambda s: s["fields"][2]["type"].update(symbols=["x"]), "enum symbols removed"),
    (lambda s: s["fields"][3]["type"].update(items="long"), "type changed"),
    (lambda s: s["fields"][4].update(type="string", default=""), "no branch|type changed"),
])
def test_breaking_changes_are_reported(mutate, expect):
    problems = backward_problems(changed(mutate), BASE)
    assert problems and any(re.search(expect, p) for p in problems), problems


def test_committed_lock_matches_the_schemas():
    assert lock_problems(load_lock()) == []


def test_lock_refuses_an_incompatible_change(monkeypatch):
    lock = load_lock()
    broken = copy.deepcopy(raw_schema("Reply"))
    broken["fields"].append({"name": "new_required", "type": "string"})
    monkeypatch.setattr("schemas.lock.raw_schema", lambda name: broken if name == "Reply" else raw_schema(name))
    assert any("breaks BACKWARD" in p for p in lock_problems(lock))
    with pytest.raises(SchemaError, match="Reply breaks BACKWARD"):
        updated_lock(lock)


def test_lock_assigns_a_new_id_to_a_compatible_change(monkeypatch):
    lock = load_lock()
    grown = copy.deepcopy(raw_schema("Reply"))
    grown["fields"].append({"name": "locale", "type": "string", "default": "zh-CN"})
    monkeypatch.setattr("schemas.lock.raw_schema", lambda name: grown if name == "Reply" else raw_schema(name))
    assert any("changed since the lock" in p for p in lock_problems(lock))
    new = updated_lock(lock)
    top = max(v["id"] for vs in lock.values() for v in vs)
    assert [v["id"] for v in new["Reply"]] == [v["id"] for v in lock["Reply"]] + [top + 1]
