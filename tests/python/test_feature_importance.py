"""feature_importance.py's budget planning and feature blocks (the computation itself runs
in every training test: test_outputs.py on one host, test_distributed.py over a cluster)."""

from __future__ import annotations

import pytest

from conftest import SCRIPTS, load_script

fi = load_script(SCRIPTS / "feature_importance.py", "feature_importance_under_test")


def test_the_rows_stay_when_a_shuffle_set_fits():
    # 40 features + the baseline = 41 predictions of 0.1 s: 4.1 s, well inside 60 s.
    assert fi.plan_rows(3000, 0.1, 40, 60.0) == 3000


def test_a_shuffle_set_that_would_outlast_the_budget_gets_proportionally_fewer_rows():
    # 40 features + the baseline = 41 predictions of 3 s (123 s) against a 60 s budget.
    rows = fi.plan_rows(3000, 3.0, 40, 60.0)
    assert rows == int(3000 * 60.0 * fi.PLAN_SHARE / (41 * 3.0))
    assert 41 * 3.0 * rows / 3000 <= 60.0
    # Half the features on each of two hosts: more rows fit in the same budget.
    assert rows < fi.plan_rows(3000, 3.0, 20, 60.0) < 3000


@pytest.mark.parametrize("rows, seconds_left, expected", [(3000, 0.001, fi.MIN_ROWS), (60, 0.001, 60),
                                                          (3000, -5.0, fi.MIN_ROWS)])
def test_never_fewer_than_the_minimum_rows(rows, seconds_left, expected):
    assert fi.plan_rows(rows, 2.4, 40, seconds_left) == expected


@pytest.mark.parametrize("count, parts, sizes", [(40, 2, [20, 20]), (5, 2, [3, 2]), (3, 8, [1, 1, 1]),
                                                 (30, 1, [30]), (7, 3, [3, 2, 2])])
def test_features_are_cut_into_contiguous_blocks_of_nearly_equal_size(count, parts, sizes):
    features = [f"x{i}" for i in range(count)]
    blocks = fi._split(features, parts)
    assert [len(b) for b in blocks] == sizes
    assert [f for b in blocks for f in b] == features
