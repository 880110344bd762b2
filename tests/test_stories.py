"""Stories across outlets: features, the shared decision, batch and streaming alike, state
that expires past the window."""

from __future__ import annotations

import datetime as dt

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.test_stream import TestStream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms.window import TimestampedValue

from pipelines.records import is_valid, make_article
from pipelines.stories import AssignStories
from pipelines.stories.features import _names, cosine, story_vector
from pipelines.stories.index import StoryIndex, new_story_id
from pipelines.stories.transform import assign_in_order

HOUR = 3600
T0 = dt.datetime(2018, 2, 1, 8, tzinfo=dt.UTC)
WINDOW = 72 * HOUR

TELEGRAM_A = (
    "Apple removes Telegram from the App Store",
    "Apple has pulled the messaging app Telegram from its App Store. Pavel Durov, the "
    "founder of Telegram, said on Twitter that Apple had found inappropriate content. "
    "Telegram X was also removed, and Durov said the apps would be back soon.",
)
TELEGRAM_B = (
    "Telegram app vanishes from Apple's store over inappropriate content",
    "Telegram, the encrypted messenger, is no longer in the App Store. Its co-founder Pavel "
    "Durov wrote that Apple alerted the team to inappropriate content, and that Telegram X "
    "went too. Durov expects the app to return once protections are in place.",
)
FALCON = (
    "SpaceX launches Falcon Heavy from Cape Canaveral",
    "SpaceX launched its Falcon Heavy rocket from the Kennedy Space Center at Cape Canaveral "
    "on Tuesday. Elon Musk said the rocket carried his own Tesla roadster toward Mars, and two "
    "boosters landed back in Florida minutes later.",
)
BROADCOM = (
    "Broadcom raises its offer for Qualcomm to $121 billion",
    "Broadcom raised its hostile bid for Qualcomm to about $121 billion on Monday, calling it "
    "its best and final offer. Qualcomm said its board would review the proposal, and "
    "investors in San Diego shrugged.",
)


def article(article_id: str, story: tuple[str, str], hours: float) -> dict:
    title, text = story
    data = {"article_id": article_id, "title": title, "text": text,
            "published_at": (T0 + dt.timedelta(hours=hours)).isoformat()}  # fmt: skip
    return make_article(data, origin=f"test:{article_id}")


def test_names_skip_sentence_starts_calendar_words_and_leading_stopwords():
    text = "Photos\nHide caption. The White House said on Sunday that Kim Jong Un met Moon."
    assert _names(text) == ["white house", "kim jong un", "moon"]


def test_same_happening_in_other_words_is_closer_than_another_happening():
    a, b, c = (story_vector(*s) for s in (TELEGRAM_A, TELEGRAM_B, FALCON))
    assert cosine(a, b) >= 0.2 > cosine(a, c)
    assert abs(cosine(a, a) - 1.0) < 1e-3


def test_index_joins_the_most_similar_story_within_the_window_only():
    index = StoryIndex(WINDOW, 0.2)
    a = index.assign("a", 0, story_vector(*TELEGRAM_A))
    f = index.assign("f", HOUR, story_vector(*FALCON))
    assert a == new_story_id("a") and f == new_story_id("f")
    assert index.assign("b", 2 * HOUR, story_vector(*TELEGRAM_B)) == a
    assert index.assign("a", 3 * HOUR, story_vector(*TELEGRAM_A)) == a  # delivered again
    late = index.assign("late", WINDOW + 3 * HOUR, story_vector(*TELEGRAM_B))
    assert late == new_story_id("late")  # 'a' and 'b' are more than 72 h before it
    assert index.assign("later", WINDOW + 4 * HOUR, story_vector(*TELEGRAM_A)) == late
    assert index.expire(WINDOW) == 3 and set(index.entries) == {"late", "later"}


ARTICLES = [
    article("telegram-times", TELEGRAM_A, 0),
    article("falcon-npr", FALCON, 1),
    article("telegram-bbc", TELEGRAM_B, 2),
    article("broadcom-nyt", BROADCOM, 3),
    article("telegram-late", TELEGRAM_B, 200),  # past the window of every other article
]
EXPECTED = [
    ("telegram-times", new_story_id("telegram-times")),
    ("falcon-npr", new_story_id("falcon-npr")),
    ("telegram-bbc", new_story_id("telegram-times")),
    ("broadcom-nyt", new_story_id("broadcom-nyt")),
    ("telegram-late", new_story_id("telegram-late")),
]


def _ids(articles):
    return articles | beam.Map(lambda a: (a["article_id"], a["story_id"]))


def test_batch_assigns_stories_in_article_order_whatever_the_input_order():
    with TestPipeline() as p:
        stories = p | beam.Create(list(reversed(ARTICLES))) | AssignStories(WINDOW, 0.2)
        assert_that(_ids(stories), equal_to(EXPECTED))
        assert_that(
            stories | beam.Map(lambda a: is_valid("article", a)), equal_to([True] * 5), "valid"
        )


def test_batch_function_and_transform_agree():
    got = [(a["article_id"], a["story_id"]) for _, a in assign_in_order(
        [(0, a) for a in ARTICLES], WINDOW, 0.2)]  # fmt: skip
    assert got == EXPECTED


def _stream(timed):
    """A TestStream of (element timestamp in seconds, article), the watermark following."""
    stream = TestStream()
    for seconds, a in timed:
        stream = stream.advance_watermark_to(seconds).add_elements([TimestampedValue(a, seconds)])
    return stream.advance_watermark_to_infinity()


def _run_streaming(timed, expected):
    options = PipelineOptions()
    options.view_as(StandardOptions).streaming = True
    with TestPipeline(options=options) as p:
        stories = p | _stream(timed) | AssignStories(WINDOW, 0.2, streaming=True)
        assert_that(_ids(stories), equal_to(expected))


def test_streaming_decides_like_batch_on_the_same_order():
    _run_streaming([(a["published_at"].timestamp(), a) for a in ARTICLES], EXPECTED)


def test_streaming_state_expires_a_window_after_each_article_arrived():
    """The late copy is published within the window of the first article, but arrives (its
    timestamp, and the watermark) 100 h after it: the first article has left the state, so the
    late one starts a story; batch, which holds everything, would join them."""
    first = article("telegram-times", TELEGRAM_A, 0)
    late = article("telegram-late", TELEGRAM_B, 10)
    start = T0.timestamp()
    timed = [(start, first), (start + 100 * HOUR, late)]
    _run_streaming(timed, [("telegram-times", new_story_id("telegram-times")),
                           ("telegram-late", new_story_id("telegram-late"))])  # fmt: skip
    batch = [(a["article_id"], a["story_id"]) for _, a in assign_in_order(
        [(int(t * 1e6), a) for t, a in timed], WINDOW, 0.2)]  # fmt: skip
    assert batch[1] == ("telegram-late", new_story_id("telegram-times"))


def test_state_size_is_bounded_by_the_window():
    """A month of one article every 30 minutes of event time, two stories a day: the index,
    expired as the streaming step does, never holds more than one window of articles."""
    index, held, step = StoryIndex(WINDOW, 0.2), 0, 30 * 60
    stories = [TELEGRAM_A, FALCON, BROADCOM, TELEGRAM_B]
    for n in range(30 * 48):
        seconds = n * step
        index.expire(seconds - WINDOW)
        index.assign(f"a{n}", seconds, story_vector(*stories[n % 4]))
        held = max(held, len(index))
    print(f"story state: {30 * 48} articles over 30 days, at most {held} held (window 72 h)")
    assert held == WINDOW // step + 1


@pytest.mark.parametrize(("window", "threshold"), [(0, 0.2), (HOUR, 0.0), (HOUR, 1.5)])
def test_bad_settings_are_refused(window, threshold):
    with pytest.raises(ValueError):
        AssignStories(window, threshold)
