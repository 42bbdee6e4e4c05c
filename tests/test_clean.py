from pathlib import Path

from digest.clean import clean
from digest.model import Article, Document, Rejection
from digest.read import read_folder

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seeds() -> dict[str, Article]:
    docs, _ = read_folder(SEEDS)
    out = {}
    for d in docs:
        a = clean(d)
        assert isinstance(a, Article)
        out[d.id[:3]] = a
    return out


def test_titles_skip_section_labels_dates_and_breadcrumbs():
    s = seeds()
    assert s["001"].title == "NATO has 'no plans to deploy forces to Ukraine': Stoltenberg"
    assert s["002"].title == "NATO chief rules out sending troops to Ukraine"
    assert (
        s["003"].title == "NATO to step up presence in eastern part of alliance, not inside Ukraine"
    )
    assert s["004"].title == "Deterrence and defense: NATO wants to strengthen significantly"


def test_bylines_and_datelines_become_metadata():
    s = seeds()
    assert s["002"].author == "Leila Nezirevic"
    assert s["002"].date is not None and s["002"].date.date().isoformat() == "2024-06-06"
    assert s["003"].source == "Xinhua"
    assert s["003"].place == "Brussels, Belgium"
    assert s["001"].place == "Helsinki"
    assert s["002"].source == "Anadolu Agency"


def test_page_header_date_does_not_become_the_article_date():
    # 003 carries "Wednesday , March 22 2023" in the page header; the story is from 2022.
    assert seeds()["003"].date is None


def test_boilerplate_is_removed():
    s = seeds()
    text = "\n".join(a.text for a in s.values())
    for junk in (
        "Read also",
        "Leave a Reply",
        "One comment",
        "NATO should advise Russia",
        "Courtesy photo",
        "subscription options",
        "will not be published",
        "Leila Nezirevic",
        "Home / WORLD",
        "World, Russia-Ukraine War",
    ):
        assert junk not in text, junk
    # The "Read also" block of 000 repeats the story; it must go too.
    assert "mentioned during his visit to Finland" not in s["000"].text
    assert s["003"].paragraphs[0].startswith("Allies of the North Atlantic Treaty Organization")


def test_repeated_headline_lines_are_not_in_the_text():
    s = seeds()
    assert all(not p.startswith("NATO has no plans to deploy forces") for p in s["001"].paragraphs)
    assert "'NATO needs more military equipment'" not in s["001"].text


def test_markdown_front_matter_and_unknown_keys():
    doc = Document(
        id="x",
        path="x.md",
        body="Body paragraph one is here.\n\nSecond *paragraph* with [a link](http://e.com).\n",
        meta=(("date", "2024-06-06T10:00:00+02:00"), ("mood", "calm"), ("title", "T")),
        format="markdown",
    )
    a = clean(doc)
    assert isinstance(a, Article)
    assert a.title == "T"
    assert a.paragraphs[1] == "Second paragraph with a link."
    assert a.date.isoformat() == "2024-06-06T08:00:00+00:00"
    assert ("mood", "calm") in a.extra


def test_bad_date_is_a_warning_not_a_crash():
    doc = Document("x", "x.md", "Text of the story here.", (("date", "yesterday"),), "markdown")
    a = clean(doc)
    assert isinstance(a, Article) and a.date is None
    assert a.warnings == ("date 'yesterday' is not an ISO 8601 date; ignored",)


def test_headline_only_article_is_kept():
    a = clean(Document("h", "h.md", "", (("title", "Only a headline"),), "markdown"))
    assert isinstance(a, Article) and a.title == "Only a headline" and a.paragraphs == ()


def test_empty_article_is_rejected_with_reason():
    r = clean(Document("e", "e.md", "  \n", (), "markdown"))
    assert isinstance(r, Rejection) and "no title and no text" in r.reason


def _story(text: str) -> Article:
    a = clean(Document("w", "w.md", text, (("title", "A story"),), "markdown"))
    assert isinstance(a, Article)
    return a


def test_a_wire_dateline_in_any_case_becomes_metadata():
    cases = {
        "Washington (CNN) Sarah Sanders was asked a question on Wednesday.": (
            "Washington",
            "CNN",
            "Sarah Sanders",
        ),
        "abuja, nigeria ( ap ) — the government is negotiating the release of 83 girls.": (
            "Abuja, Nigeria",
            "AP",
            "the government",
        ),
        "NEW YORK, May 18 (UPI) -- Crayola is warning against the advice of beauty bloggers.": (
            "New York",
            "UPI",
            "Crayola",
        ),
        "london ( reuters ) - shares fell on tuesday.": ("London", "Reuters", "shares"),
        "LONDON (REUTERS) - Shares fell on Tuesday.": ("London", "Reuters", "Shares"),
    }
    for text, (place, source, start) in cases.items():
        a = _story(text)
        assert (a.place, a.source) == (place, source), text
        assert a.paragraphs[0].startswith(start), a.paragraphs
    # The opening words of a sentence are no place.
    kept = _story("The company (AP) said nothing about the sale on Monday.")
    assert kept.place is None and kept.paragraphs[0].startswith("The company (AP)")


def test_non_web_urls_are_dropped():
    doc = Document(
        "u", "u.md", "Text.", (("title", "T"), ("url", "javascript:alert(1)")), "markdown"
    )
    a = clean(doc)
    assert isinstance(a, Article) and a.url is None


def _dated(url: str, date: str | None = None) -> Article:
    meta = (("title", "T"), ("url", url)) + ((("date", date),) if date else ())
    a = clean(Document("d", "d.md", "Text of the story here.", meta, "markdown"))
    assert isinstance(a, Article)
    return a


def test_an_undated_article_takes_the_date_in_its_link():
    paths = {
        "https://www.nytimes.com/2021/10/15/world/europe/italy-covid.html": "2021-10-15",
        "https://www.cnn.com/2021/6/1/politics/story/index.html": "2021-06-01",
        "https://www.reuters.com/world/us/house-passes-bill-2021-09-26/": "2021-09-26",
        "https://example.com/news/story_2021_03_04.html": "2021-03-04",
    }
    for url, day in paths.items():
        assert _dated(url).date.isoformat() == f"{day}T00:00:00+00:00", url


def test_a_link_without_a_whole_valid_date_gives_none():
    for url in (
        "https://www.foxnews.com/politics/story",
        "https://example.com/2021/10/story",  # year and month only
        "https://example.com/2021/02/30/story",  # no such day
        "https://example.com/2021/13/01/story",
        "https://example.com/news/20211015-story",  # digits run together: maybe an id
        "https://example.com/id/12021/06/15/story",  # not a year
        "https://example.com/2021-06/15/story",  # mixed separators
        "https://2021-06-15.example.com/story",  # the host is not the path
        "http://[::1/2021/06/15/story",  # malformed
    ):
        assert _dated(url).date is None, url


def test_the_stated_date_wins_over_the_link():
    a = _dated("https://www.nytimes.com/2010/08/17/us/story.html", "2010-08-14")
    assert a.date.isoformat() == "2010-08-14T00:00:00+00:00"


def test_a_page_of_furniture_only_says_so_in_its_rejection():
    # Every paragraph is something the cleaner strips: the reason must not call the file empty.
    body = "Subscribe to our newsletter\n\nPhoto: AP / Getty Images\n\nRead more: other stories\n"
    r = clean(Document("f", "f.md", body, (), "markdown"))
    assert isinstance(r, Rejection)
    assert r.reason == (
        "no title, and its 12 words are all page furniture (notices, captions, bylines,"
        " link lists), not a story"
    )


def test_a_single_word_of_furniture_is_counted_in_the_singular():
    r = clean(Document("f", "f.md", "Advertisement\n", (), "markdown"))
    assert isinstance(r, Rejection)
    assert r.reason == (
        "no title, and its one word is page furniture (notices, captions, bylines, link"
        " lists), not a story"
    )
