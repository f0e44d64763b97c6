"""End-to-end conversation scenarios scored through the gateway (QUALITY.md format).

One scenario a line: ``{"name", "turns": [...], "expect": {"intent", "handoff", "reply_any",
"reply_none", "reply_nonempty"}}``; every scenario runs in a new session through
``POST /v1/sessions/{id}/turns`` and ``expect`` is checked on the last turn's response.
Thousands separators are removed from the reply and from ``reply_any`` before matching.
"""
from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from contracts.errors import PipelineError

EXPECT_KEYS = frozenset({"intent", "handoff", "reply_any", "reply_none", "reply_nonempty"})


class ScenarioError(PipelineError, ValueError):
    """A scenario line that is not in the QUALITY.md format."""


@dataclass
class Outcome:
    name: str
    passed: bool
    problems: list[str] = field(default_factory=list)
    last: dict[str, Any] = field(default_factory=dict)


def read_scenarios(path: Path) -> list[dict[str, Any]]:
    scenarios = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            s = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ScenarioError(f"{path}:{n}: not JSON ({exc})") from exc
        turns, expect = s.get("turns"), s.get("expect", {})
        if not isinstance(turns, list) or not turns or not all(isinstance(t, str) and t.strip() for t in turns):
            raise ScenarioError(f"{path}:{n}: 'turns' must be a non-empty list of non-empty strings")
        if not isinstance(expect, dict) or set(expect) - EXPECT_KEYS:
            raise ScenarioError(f"{path}:{n}: 'expect' keys must be among {sorted(EXPECT_KEYS)}")
        scenarios.append({"name": str(s.get("name") or f"line {n}"), "turns": turns, "expect": expect})
    return scenarios


def plain(text: str) -> str:
    return text.replace(",", "")


def judge(expect: dict[str, Any], last: dict[str, Any]) -> list[str]:
    """What the last turn's response got wrong (empty: it passed)."""
    reply = plain(last.get("reply") or "")
    problems = []
    if "intent" in expect and last.get("intent") != expect["intent"]:
        problems.append(f"intent {last.get('intent')} != {expect['intent']}")
    if "handoff" in expect and bool(last.get("handoff")) != bool(expect["handoff"]):
        problems.append(f"handoff {last.get('handoff')} != {expect['handoff']}")
    if expect.get("reply_any") and not any(plain(s) in reply for s in expect["reply_any"]):
        problems.append(f"none of {expect['reply_any']} in reply")
    hit = [s for s in expect.get("reply_none", []) if s in reply]
    if hit:
        problems.append(f"reply contains {hit}")
    if expect.get("reply_nonempty") and not reply.strip():
        problems.append("empty reply")
    return problems


async def run_scenario(client: Any, scenario: dict[str, Any], index: int, run_id: str) -> Outcome:
    session = f"eval-{run_id}-{index}"
    last: dict[str, Any] = {}
    for turn in scenario["turns"]:
        response = await client.post(f"/v1/sessions/{session}/turns",
                                      json={"text": turn, "customer_id": f"C-{index % 10000:04d}", "channel": "app"})
        if response.status_code != 200:
            return Outcome(scenario["name"], False, [f"HTTP {response.status_code} on {turn!r}: "
                                                     f"{response.text[:200]}"], last)
        last = response.json()
    problems = judge(scenario["expect"], last)
    return Outcome(scenario["name"], not problems, problems, last)


async def run_all(scenarios: list[dict[str, Any]], gateway: str, concurrency: int = 8,
                  timeout: float = 60.0, progress: Any = None) -> list[Outcome]:
    import httpx

    run_id = uuid.uuid4().hex[:8]
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=gateway, timeout=timeout) as client:
        async def one(i: int, s: dict[str, Any]) -> Outcome:
            async with limit:
                try:
                    outcome = await run_scenario(client, s, i, run_id)
                except httpx.HTTPError as exc:
                    outcome = Outcome(s["name"], False, [f"gateway error: {type(exc).__name__}: {exc}"])
            if progress is not None:
                progress.update(1)
            return outcome

        return list(await asyncio.gather(*(one(i, s) for i, s in enumerate(scenarios))))


PROBLEM_KINDS = (("intent ", "intent"), ("handoff ", "handoff"), ("none of ", "reply_any"),
                 ("reply contains ", "reply_none"), ("empty reply", "empty"), ("HTTP ", "transport"),
                 ("gateway error", "transport"))


def breakdown(scenarios: list[dict[str, Any]], outcomes: list[Outcome]) -> dict[str, dict[str, tuple[int, int]]]:
    """Aggregates only (safe for blind sets): failed checks by kind, and (passed, n) by the last turn's
    expected intent and by single- vs multi-turn."""
    kinds: dict[str, tuple[int, int]] = {}
    for _, kind in PROBLEM_KINDS:
        failed = sum(any(p.startswith(prefix) for p in o.problems for prefix, k in PROBLEM_KINDS if k == kind)
                     for o in outcomes)
        kinds[kind] = (failed, len(outcomes))
    by_intent: dict[str, tuple[int, int]] = {}
    by_turns: dict[str, tuple[int, int]] = {}
    for s, o in zip(scenarios, outcomes, strict=True):
        for table, key in ((by_intent, s["expect"].get("intent", "(none)")),
                           (by_turns, "single-turn" if len(s["turns"]) == 1 else "multi-turn")):
            passed, n = table.get(key, (0, 0))
            table[key] = (passed + o.passed, n + 1)
    return {"failed checks": kinds, "by expected intent": dict(sorted(by_intent.items())), "by length": by_turns}
