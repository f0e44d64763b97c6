import pytest

from benchmarks.calibration import brier, expected_calibration_error, reliability


def test_a_calibrated_forecaster_scores_near_zero_and_an_overconfident_one_does_not():
    # 0.2 right one time in five, 0.8 four times in five: calibrated
    probs = [0.2] * 5 + [0.8] * 5
    outcomes = [True] + [False] * 4 + [True] * 4 + [False]
    assert expected_calibration_error(probs, outcomes) == pytest.approx(0.0)
    overconfident = [0.99] * 10
    assert expected_calibration_error(overconfident, outcomes) == pytest.approx(0.49)
    assert brier(probs, outcomes) < brier(overconfident, outcomes)


def test_bins_hold_their_members_and_skip_empty_ones():
    table = reliability([0.05, 0.1, 0.95, 1.0], [False, True, True, True], bins=5)
    assert [(b.low, b.n, b.observed_rate) for b in table] == [(0.0, 2, 0.5), (0.8, 2, 1.0)]
    with pytest.raises(ValueError):
        reliability([1.2], [True])
    with pytest.raises(ValueError):
        reliability([0.5], [])
