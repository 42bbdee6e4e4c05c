"""The benchmark's peers harness refuses a peer run that left pages out."""

from __future__ import annotations

import pytest

from bench.peers import _check_pages


def test_a_peer_that_skips_articles_is_an_error():
    # Pelican without the markdown package renders its home page and no article at all.
    with pytest.raises(RuntimeError, match="wrote 1 pages for 3 articles"):
        _check_pages("pelican", [(0.4, 1)], expected=4)
    _check_pages("hugo", [(1.9, 4), (1.8, 4)], expected=4)  # every article and the home page
