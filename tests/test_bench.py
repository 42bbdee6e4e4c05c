"""The benchmark's peers harness refuses a peer run that left pages out."""

from __future__ import annotations

import pytest

from bench.peers import _check_pages


def test_a_peer_that_skips_articles_is_an_error():
    # Pelican without the markdown package renders its home page and no article at all.
    with pytest.raises(RuntimeError, match="wrote 1 pages for 3 articles"):
        _check_pages("pelican", [(0.4, 1)], expected=4)
    _check_pages("hugo", [(1.9, 4), (1.8, 4)], expected=4)  # every article and the home page


def test_related_events_proxies_count_split_stories_and_topics():
    from bench.related import measure
    from tests.test_site import _event

    events = [
        _event("a", "Wildfire nears Kelowna", "A wildfire near Kelowna forced thousands of "
               "residents of West Kelowna to leave.", ("wildfire",), 1),
        _event("b", "Kelowna evacuations grow", "More homes in West Kelowna were evacuated as the "
               "wildfire spread.", ("Kelowna",), 2),
        _event("z", "Chess olympiad ends", "Uzbekistan won the chess olympiad in Chennai.",
               ("chess",), 3),
    ]  # fmt: skip
    # a and b are two parts of one gold story, split by the grouping; z is its own.
    gold = {"a": "fire", "b": "fire", "z": "chess"}
    figures = measure(events, gold, {"fire": "Disaster", "chess": "Sports"})
    assert (figures.events, figures.links, figures.with_related) == (3, 2, 2)
    assert (figures.split_pairs, figures.split_pairs_linked, figures.same_story_links) == (1, 1, 2)
    assert figures.same_topic_links == 2
    assert measure(events, gold, {"fire": None, "chess": None}).same_topic_links is None
