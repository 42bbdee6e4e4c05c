"""Background word rarity: how often a word appears in general English, for small folders.

Inverse document frequency estimated from a folder of five files is noise: every word is in one,
two or five of them. General-English word frequencies (the ``wordfreq`` package, whose tables
ship inside the wheel, so nothing is downloaded) give a prior document frequency for every word;
``Rarity`` blends it with the folder's own counts, so a small folder leans on the prior and a
large one on itself.
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import numpy as np

from digest.errors import BuildError

# Words per typical news story: turns a per-token frequency into the chance a story contains
# the word at least once (1 - exp(-f * L)).
_STORY_WORDS = 400
# Weight of the prior, in pseudo-documents: a folder of this many articles counts as much as
# general English when estimating how rare a word is.
_PRIOR_DOCS = 20.0
# Words general English has never seen (names, new coinages) are at least this rare.
_UNSEEN_FREQUENCY = 1e-8
_MIN_IDF = 0.05


def english_frequencies() -> Mapping[str, float]:
    """Per-token frequencies of English words (lower-case), from wordfreq's bundled tables."""
    try:
        import wordfreq  # imported here: loading its tables is only needed when grouping
    except ImportError:
        raise BuildError(
            "the 'wordfreq' package is missing; reinstall digest (pip install digest) to get it"
        ) from None
    return wordfreq.get_frequency_dict("en", wordlist="best")


@cache
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words (the Glasgow list), without importing scikit-learn.

    Importing scikit-learn for this one constant took 0.75 s in every build that groups (and
    in every summary worker's parent): the list is a module of its own that imports nothing,
    so it is loaded from its file. Should a scikit-learn release move it, the public import
    gives the same list.
    """
    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / "feature_extraction" / "_stop_words.py"
        if not path.is_file():
            continue
        words_spec = importlib.util.spec_from_file_location("_digest_stop_words", path)
        if words_spec is None or words_spec.loader is None:
            continue
        module = importlib.util.module_from_spec(words_spec)
        words_spec.loader.exec_module(module)
        words = getattr(module, "ENGLISH_STOP_WORDS", None)
        if isinstance(words, frozenset) and words:
            return words
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


class Rarity:
    """Inverse document frequency of words in a folder, smoothed by general English."""

    def __init__(self, frequencies: Mapping[str, float]) -> None:
        self._frequencies = frequencies

    def prior_df(self, word: str) -> float:
        """Chance that a typical story contains ``word``."""
        if " " in word:
            # A phrase is at most as common as its rarer word.
            return min(self.prior_df(part) for part in word.split())
        f = self._frequencies.get(word)
        if f is None:
            # Hyphenated or possessive forms: rate by their rarest part.
            parts = [p for p in word.replace("’", "'").replace("-", " ").split() if p]
            known = [self._frequencies[p] for p in parts if p in self._frequencies]
            f = min(known) if known and len(known) == len(parts) else _UNSEEN_FREQUENCY
        return 1.0 - math.exp(-f * _STORY_WORDS)

    def idf(self, vocabulary: Iterable[str], df: np.ndarray, n_docs: int) -> np.ndarray:
        """IDF of each vocabulary word given its document frequency ``df`` in ``n_docs``."""
        prior = np.array([self.prior_df(w) for w in vocabulary], dtype=np.float64)
        expected = df + _PRIOR_DOCS * prior
        # A word in every article of the folder tells none of them apart: its weight goes to
        # (nearly) zero however rare it is in general English.
        return np.maximum(np.log((n_docs + _PRIOR_DOCS) / np.maximum(expected, 0.5)), _MIN_IDF)
