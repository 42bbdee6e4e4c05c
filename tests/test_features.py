"""Grouping features: topic vectors and how rare closeness in time is in a folder."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from digest.features import date_rarity, topic_vectors


def test_closeness_in_time_counts_by_how_rare_it_is_in_the_folder():
    rows, cols = np.array([0, 2, 0]), np.array([1, 3, 4])
    # Five dates over two years: two reports a day apart are a rare coincidence.
    spread = np.array([0.0, 1.0, 300.0, 600.0, np.nan])
    rarity = date_rarity(spread, rows, cols, window_days=7)
    assert rarity[0] > 0.8
    assert rarity[2] == 0.0  # an undated side says nothing
    # Every article stamped at the same moment: closeness in time tells nothing.
    same_time = np.full(5, 100.0)
    assert np.all(date_rarity(same_time, rows, cols, window_days=7) == 0.0)
    # Within a folder of one day, an hour apart says less than a day apart in two years.
    one_day = np.array([0.0, 1 / 24, 0.3, 0.6, 0.9])
    assert date_rarity(one_day, rows, cols, window_days=7)[0] < rarity[0]


def test_topic_vectors_are_unit_rows_for_members_only():
    # Words 0 and 1 always occur together, as do 2 and 3: rows sharing no word but one of a
    # pair of companions end up close in the topic space.
    x = sp.csr_matrix(
        np.array(
            [
                [1.0, 1.0, 0, 0],
                [1.0, 0, 0, 0],
                [0, 1.0, 0, 0],
                [0, 0, 1.0, 1.0],
                [0, 0, 1.0, 0],
                [0, 0, 0, 1.0],
                [1.0, 1.0, 1.0, 1.0],
            ]
        )
    )
    z = topic_vectors(x, np.arange(6), 2)
    assert np.allclose(np.linalg.norm(z[:6], axis=1), 1.0)
    assert np.all(z[6] == 0.0)  # not a member
    assert z[1] @ z[2] > 0.99  # no shared word, same topic
    assert abs(z[1] @ z[4]) < 0.01
    assert np.array_equal(topic_vectors(x, np.arange(6), 2), z)  # seeded
