"""Noise rejection: pages that are not stories are rejected with a reason; stories are kept."""

from __future__ import annotations

from digest.model import Article, Rejection
from digest.noise import noise_reason, screen
from tests.conftest import make_article

STORY = (
    "Firefighters in northern California contained most of the Dixie fire on Sunday after "
    "cooler weather and rain slowed its spread, officials said. The fire burned more than "
    "900,000 acres and destroyed the town of Greenville."
)


def test_twitter_location_notice_is_rejected():
    page = make_article(
        "t",
        "",
        "Add a location to your Tweets\n\nWhen you tweet with a location, Twitter stores that "
        "location. You can switch location on/off before each Tweet and always have the option "
        "to delete your location history. Learn more",
    )
    assert "Twitter" in noise_reason(page)


def test_cookie_notice_is_rejected():
    page = make_article(
        "c",
        "",
        "We use cookies to improve your experience. By continuing you accept cookies "
        "as described in our cookie policy and agree to our terms of service.",
    )
    assert "cookie" in noise_reason(page)


def test_error_page_is_rejected():
    page = make_article(
        "e",
        "",
        "Sorry, the page you requested could not be found.\n\nIf you are trying to reach a page "
        "from a bookmark, the page URL may have changed. Please contact our webmaster.",
    )
    assert "error" in noise_reason(page)


def test_archive_notice_is_rejected():
    page = make_article(
        "w",
        "",
        "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet "
        "Archive. Flowing in every day, these data are added to the Wayback Machine after an "
        "embargo period.",
    )
    assert "archive" in noise_reason(page)


def test_untitled_fragment_is_rejected():
    assert "fragment" in noise_reason(make_article("f", "", "Click to enlarge the photo."))


def test_headline_only_item_is_kept():
    assert (
        noise_reason(make_article("h", "Fed official says weak data caused by weather", "")) is None
    )


def test_story_with_a_javascript_notice_is_kept():
    text = "Please turn on JavaScript. Media requires JavaScript to play.\n\n" + "\n\n".join(
        [STORY] * 3
    )
    assert noise_reason(make_article("s", "", text)) is None


def test_filter_keeps_order_and_gives_reasons():
    screened = [
        screen(a)
        for a in [
            make_article("a", "Dixie fire contained", STORY),
            make_article("b", "", "Join us on Facebook Like us and you'll find top breaking news."),
            make_article("c", "", STORY),
        ]
    ]
    kept = [a for a in screened if isinstance(a, Article)]
    rejected = [r for r in screened if isinstance(r, Rejection)]
    assert [a.id for a in kept] == ["a", "c"]
    assert [(r.id, bool(r.reason)) for r in rejected] == [("b", True)]
