"""The refetch watch: records the consumer fetched but the agent never got are fetched again."""
from __future__ import annotations

from streams.unstick import SKIP, Progress, to_refetch


def idle(progress: Progress, seconds: float) -> float:
    return progress.last_activity + seconds


def test_fetched_but_never_handed_over_after_a_restart_is_fetched_again_from_the_committed_offset():
    progress = Progress()  # a restarted worker: nothing handled yet
    assert to_refetch(progress, {2: 4, 0: None}, {2: 1, 0: None}, idle(progress, 11)) == {2: 1}


def test_after_handled_records_the_refetch_starts_after_the_last_one():
    progress = Progress()
    progress.started()
    progress.finished(1, 6)
    assert to_refetch(progress, {1: 9}, {1: 3}, idle(progress, 11)) == {1: 7}
    assert to_refetch(progress, {1: 7}, {1: 3}, idle(progress, 11)) == {}  # caught up


def test_a_busy_or_recently_active_agent_is_left_alone():
    progress = Progress()
    assert to_refetch(progress, {2: 4}, {2: 1}, idle(progress, 3)) == {}
    progress.started()  # a record in hand (waiting on the broker, say): not stuck
    assert to_refetch(progress, {2: 4}, {2: 1}, idle(progress, 60)) == {}


def test_revoked_partitions_are_forgotten():
    progress = Progress()
    progress.started()
    progress.finished(3, 10)
    progress.forget({3})
    assert to_refetch(progress, {3: 12}, {3: 11}, idle(progress, 11)) == {3: 11}


def test_a_record_past_a_hole_is_skipped_and_the_hole_fetched_again_in_order():
    progress = Progress()
    # restarted: committed offset 1; Faust dropped offsets 1 and 2 and hands over 3
    assert progress.admit(1, 3, committed=1) == 1  # seek back to 1, drop 3
    assert progress.admit(1, 4, committed=1) == SKIP  # fetched before the seek took effect
    assert progress.admit(1, 1, committed=1) is None  # the hole, now in order
    progress.started()
    progress.finished(1, 1)
    assert progress.admit(1, 2, committed=1) is None and progress.admit(3, 0, committed=None) is None


def test_in_order_and_re_delivered_records_are_processed():
    progress = Progress()
    progress.started()
    progress.finished(0, 5)
    assert progress.admit(0, 6, committed=2) is None
    assert progress.admit(0, 4, committed=2) is None  # a re-delivery: the stage is idempotent


def test_a_hole_that_never_fills_is_given_up_after_a_few_seeks():
    progress = Progress()
    assert progress.admit(2, 10, committed=7) == 7
    assert progress.sought_again(2, 7) and progress.sought_again(2, 7)
    assert not progress.sought_again(2, 7)  # the fourth try: retention removed it, say
    assert progress.admit(2, 10, committed=7) is None
    assert to_refetch(progress, {2: 11}, {2: 7}, idle(progress, 60)) == {}
