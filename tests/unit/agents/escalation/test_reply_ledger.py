"""The escalation worker's reply ledger: a kill between a reply's send and the dedupe record's
commit must never let the replayed turn be answered again, however the restart's steps interleave."""
from __future__ import annotations

import asyncio

from agents.escalation.ledger import ReplyLedger
from agents.escalation.replied import SentLog


def reply(session: str, turn: int, **over) -> dict:
    return {"session_id": session, "turn_id": turn, "proactive": False, "effect_id": None, **over}


class ReplyTopic:
    """The broker's reply partitions; ``read`` is what a restarted worker's scan sees."""

    def __init__(self) -> None:
        self.partitions: dict[int, list[dict]] = {}
        self.gate = asyncio.Event()
        self.gate.set()
        self.reads = 0

    def append(self, partition: int, datum: dict) -> None:
        self.partitions.setdefault(partition, []).append(datum)

    async def read(self, partitions: list[int]) -> SentLog:
        await self.gate.wait()  # a slow read: the broker is busy, the log is long
        self.reads += 1
        log = SentLog()
        for p in partitions:
            for datum in self.partitions.get(p, []):
                log.note(datum)
        return log


def answer(ledger: ReplyLedger, topic: ReplyTopic, partition: int, datum: dict) -> bool:
    """The gate's dedupe rule: a customer turn is answered only above the last one answered."""
    last = ledger.last_turn(datum["session_id"])
    if last is not None and datum["turn_id"] <= last:
        return False
    ledger.record([datum])
    topic.append(partition, datum)
    return True


async def process(ledger: ReplyLedger, topic: ReplyTopic, partition: int, datum: dict) -> bool:
    await ledger.ready(partition)  # what ``stage_agent``'s prepare hook awaits for every record
    return answer(ledger, topic, partition, datum)


def test_a_replayed_turn_after_a_kill_between_send_and_commit_is_not_answered_twice():
    async def scenario() -> list[bool]:
        topic = ReplyTopic()
        first = ReplyLedger(topic.read)
        sent = [await process(first, topic, 2, reply("s", t)) for t in (1, 2)]
        # kill -9 here: the replies are on the broker, no table write of turn 2 was committed, and the
        # upstream stage replays turn 2 because its offset was not committed either.
        restarted = ReplyLedger(topic.read)
        return [*sent, await process(restarted, topic, 2, reply("s", 2)), await process(restarted, topic, 2,
                                                                                         reply("s", 3))]

    assert asyncio.run(scenario()) == [True, True, False, True]


def test_a_record_waits_for_a_slow_log_read_instead_of_racing_it():
    async def scenario() -> tuple[bool, bool, list[int]]:
        topic = ReplyTopic()
        topic.append(0, reply("s", 2))
        topic.gate.clear()  # the read of the reply log has not finished yet
        ledger = ReplyLedger(topic.read)
        replay = asyncio.create_task(process(ledger, topic, 0, reply("s", 2)))
        for _ in range(20):
            await asyncio.sleep(0)
        decided_early = replay.done()
        topic.gate.set()
        answered = await replay
        return decided_early, answered, [r["turn_id"] for r in topic.partitions[0]]

    decided_early, answered, log = asyncio.run(scenario())
    assert not decided_early and not answered
    assert log == [2]


def test_each_partition_is_read_once_until_it_is_taken_away():
    async def scenario() -> tuple[int, int]:
        topic = ReplyTopic()
        ledger = ReplyLedger(topic.read)
        for _ in range(3):
            await ledger.ready(1)
        once = topic.reads
        ledger.forget([1])
        topic.append(1, reply("t", 7))  # another worker answered while it owned the partition
        await ledger.ready(1)
        return once, ledger.last_turn("t")

    assert asyncio.run(scenario()) == (1, 7)


def test_desk_review_and_advice_replies_are_remembered_by_cause_not_turn():
    log = SentLog()
    log.note(reply("s", 4))
    log.note(reply("s", 4, effect_id="desk:m-1"))
    log.note(reply("s", 9, proactive=True, effect_id="advice:9"))
    log.note(reply("s", 3, effect_id="review:3"))
    assert log.turns == {"s": 4}  # advice and desk messages do not move the customer-turn watermark
    assert log.effects == {"s": ["desk:m-1", "advice:9", "review:3"]}
    ledger = ReplyLedger(lambda _p: asyncio.sleep(0, log))
    asyncio.run(ledger.ready(0))
    assert ledger.already("s", "desk:m-1") and not ledger.already("s", "desk:m-2")


def test_undecodable_reply_records_are_handed_over_once_per_read():
    seen: list[tuple[int, int, bytes]] = []

    async def scan(_partitions: list[int]) -> SentLog:
        return SentLog(undecodable=[(0, 5, b"\x00junk")])

    async def report(found: SentLog) -> None:
        seen.extend(found.undecodable)

    async def scenario() -> None:
        ledger = ReplyLedger(scan, report)
        await ledger.ready(0)
        await ledger.ready(0)

    asyncio.run(scenario())
    assert seen == [(0, 5, b"\x00junk")]
