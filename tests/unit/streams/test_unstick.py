"""The refetch guards: records the consumer fetched but the agent never got are fetched again."""
from __future__ import annotations

from streams.unstick import FILLED, MAX_REFETCH, SKIP, STUCK_S, Progress, to_refetch

T0 = 1000.0


def handled(progress: Progress, partition: int, offset: int, at: float = T0) -> None:
    progress.started()
    progress.finished(partition, offset, now=at)


def test_a_restart_with_a_dropped_tail_is_fetched_again_from_the_committed_offset():
    progress = Progress(since=T0)  # a restarted worker: nothing handled yet
    assert to_refetch(progress, {2: 4, 0: None}, {2: 1, 0: None}, T0 + STUCK_S + 1) == {2: 1}
    assert to_refetch(progress, {2: 4}, {2: 1}, T0 + 1) == {}  # not idle long enough


def test_a_dropped_middle_is_set_aside_and_fetched_again_in_order():
    progress = Progress(since=T0)
    # committed offset 1; Faust dropped offsets 1 and 2 and hands over 3
    assert progress.admit(1, 3, committed=1, now=T0) == 1  # seek back to 1, set 3 aside
    assert progress.admit(1, 4, committed=1) == SKIP  # the rest of the batch fetched before the seek
    assert progress.admit(1, 1, committed=1) == FILLED  # the hole, now in order
    handled(progress, 1, 1)
    assert progress.admit(1, 2, committed=1) is None
    handled(progress, 1, 2)
    assert progress.admit(1, 3, committed=1) is None


def test_a_seek_undone_by_the_rest_of_a_batch_is_made_again_by_the_tail_watch():
    progress = Progress(since=T0)
    assert progress.admit(1, 3, committed=1, now=T0) == 1
    # nothing handled on partition 1 since; the consumer is past the hole: seek it again
    assert to_refetch(progress, {1: 5}, {1: 1}, T0 + STUCK_S + 1) == {1: 1}
    assert progress.sought_again(1, 1, now=T0 + STUCK_S + 1)


def test_idleness_is_per_partition():
    progress = Progress(since=T0)
    assert progress.admit(0, 9, committed=7, now=T0) == 7
    handled(progress, 3, 50, at=T0 + STUCK_S)  # traffic on another partition
    assert to_refetch(progress, {0: 10, 3: 51}, {0: 7, 3: 40}, T0 + STUCK_S + 1) == {0: 7}


def test_a_real_hole_is_proved_by_a_later_record_arriving_after_the_seek():
    progress = Progress(since=T0)
    assert progress.admit(2, 10, committed=7, now=T0) == 7
    assert progress.admit(2, 8, committed=7) is None  # 7 is not in the log (retention): go on from 8


def test_a_hole_that_never_fills_is_given_up_after_a_few_seeks():
    progress = Progress(since=T0)
    assert progress.admit(2, 10, committed=7, now=T0) == 7
    assert all(progress.sought_again(2, 7, now=T0 + i) for i in range(1, MAX_REFETCH))
    assert not progress.sought_again(2, 7, now=T0 + MAX_REFETCH)
    assert progress.admit(2, 12, committed=7) is None
    assert to_refetch(progress, {2: 13}, {2: 7}, T0 + 100) == {}


def test_in_order_and_re_delivered_records_are_processed_and_a_busy_agent_is_left_alone():
    progress = Progress(since=T0)
    handled(progress, 0, 5)
    assert progress.admit(0, 6, committed=2) is None
    assert progress.admit(0, 4, committed=2) is None  # a re-delivery: the stage is idempotent
    progress.started()
    assert to_refetch(progress, {0: 9}, {0: 2}, T0 + 60) == {}


def test_revoked_partitions_are_forgotten():
    progress = Progress(since=T0)
    handled(progress, 3, 10)
    progress.forget({3})
    assert to_refetch(progress, {3: 12}, {3: 11}, T0 + STUCK_S + 1) == {3: 11}
