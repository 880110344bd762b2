"""De-duplication: fingerprints, and the batch transform's decisions."""

import datetime as dt
import re

import apache_beam as beam
import numpy as np
import pytest
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from pipelines.dedupe import DedupeArticles, batch
from pipelines.dedupe.coders import pack_member, pack_ref, unpack_member, unpack_ref
from pipelines.dedupe.minhash import fingerprint, jaccard, signature, similarity, words
from pipelines.records import is_valid, make_article

STORY = (
    "The central bank raised its main interest rate by a quarter point on Thursday, the "
    "third increase this year, saying inflation had stayed above its target for too long. "
    "The governor told reporters that further rises could follow if prices kept climbing, "
    "while business groups warned that higher borrowing costs would hurt small firms. "
    "Markets had expected the move, and the currency barely changed after the announcement. "
    "Economists said the decision showed the bank was worried about wage growth and energy "
    "prices, which have pushed up the cost of living across the country since the spring. "
    "The bank will publish new forecasts next month, when it is also due to review how "
    "quickly it sells the government bonds it bought during the pandemic. Opposition "
    "politicians called on the finance minister to help households with rising mortgage "
    "payments, and a consumer group said many families were already cutting back on food."
)
OTHER = (
    "The national football team beat its neighbours two goals to one in a friendly match on "
    "Saturday evening, with both goals scored in the second half by the young striker who "
    "joined the squad last month. The coach praised the defence and said the result gave "
    "the players confidence before the tournament, which starts in June in three cities."
)


def article(article_id, text, published=None, origin=None):
    return make_article(
        {"article_id": article_id, "text": text, "published_at": published},
        origin=origin or f"test:{article_id}",
    )


def syndicated(text):
    """Another outlet's copy: its own header and footer, one sentence reworded."""
    text = text.replace("barely changed", "hardly moved")
    return f"CAPITAL CITY (Wire) - {text} Reporting by the wire desk; editing by staff."


def test_near_duplicates_are_similar_and_different_stories_are_not():
    a, b, c = (fingerprint(t) for t in (STORY, syndicated(STORY), OTHER))
    assert jaccard(a.shingles, b.shingles) > 0.8
    assert jaccard(a.shingles, c.shingles) < 0.05
    assert len(set(a.bands) & set(b.bands)) > 0
    assert not set(a.bands) & set(c.bands)


def test_fingerprints_are_stable_and_normalise_case_and_unicode():
    first, again = fingerprint(STORY), fingerprint(STORY)
    assert (first.exact, first.bands) == (again.exact, again.bands)
    assert fingerprint("ＡＢＣ  Déjà vu!").exact == fingerprint("abc déjà VU").exact
    assert words("Don't stop") == ["don", "t", "stop"]
    assert signature(fingerprint(STORY).shingles).dtype.name == "uint32"


def check_decisions(articles, kept, duplicates, threshold=0.8):
    """Run the transform; assert the kept ids and (id, duplicate_of, method) of the rest."""
    with TestPipeline() as p:
        result = p | beam.Create(articles) | DedupeArticles(threshold)
        ids = result.unique | "ids" >> beam.Map(lambda a: a["article_id"])
        dups = result.duplicates | "dups" >> beam.Map(
            lambda d: (d["article_id"], d["duplicate_of"], d["method"])
        )
        assert_that(ids, equal_to(kept), label="kept")
        assert_that(dups, equal_to(duplicates), label="duplicates")
        assert_that(result.duplicates, _valid_similarities, label="similarity")


def _valid_similarities(duplicates):
    for d in duplicates:
        assert is_valid("duplicate", d)
        if d["method"] == "near":
            assert 0.8 <= d["similarity"] <= 1.0, d
        else:
            assert d["similarity"] == 1.0, d


EARLY = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
LATE = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)


def test_batch_keeps_the_earliest_and_names_it_in_every_duplicate():
    articles = [
        article("copy", syndicated(STORY), LATE),
        article("original", STORY, EARLY),
        article("exact", STORY.upper(), LATE),
        article("other", OTHER),
    ]
    check_decisions(
        articles,
        kept=["original", "other"],
        duplicates=[("copy", "original", "near"), ("exact", "original", "exact")],
    )


def test_the_same_article_id_twice_is_one_article():
    articles = [article("same", STORY), article("same", STORY, origin="again")]
    check_decisions(articles, kept=["same"], duplicates=[("same", "same", "id")])


def test_threshold_decides_near_duplicates():
    articles = [article("a", STORY, EARLY), article("b", syndicated(STORY))]
    check_decisions(articles, ["a"], [("b", "a", "near")], threshold=0.8)
    check_decisions(articles, ["a", "b"], [], threshold=0.99)


def test_threshold_is_checked():
    with pytest.raises(ValueError, match="threshold"):
        DedupeArticles(1.5)


def test_a_truncated_copy_is_contained_but_a_quoted_brief_is_not():
    story, other = fingerprint(STORY).shingles, fingerprint(OTHER).shingles
    teaser = fingerprint(" ".join(STORY.split(". ")[:4])).shingles
    brief = fingerprint(" ".join(STORY.split(". ")[:1])).shingles
    roundup = fingerprint(" ".join([STORY, OTHER, OTHER.upper()[::-1], STORY[::-1]])).shingles
    assert jaccard(story, teaser) < 0.8 <= similarity(story, teaser)
    assert similarity(story, brief) < 0.8  # too short to count as contained
    assert similarity(roundup, story) < 0.8  # a small part of a much longer text
    assert similarity(story, other) < 0.05


def test_batch_catches_a_truncated_copy():
    teaser = " ".join(STORY.split(". ")[:5]) + "."
    articles = [article("a", STORY, EARLY), article("teaser", teaser, LATE)]
    check_decisions(articles, ["a"], [("teaser", "a", "near")])


def test_an_exact_copy_of_a_later_article_names_the_earliest_near_original():
    copy = syndicated(STORY)
    articles = [
        article("original", STORY, EARLY),
        article("copy", copy, LATE),
        article("copy-again", copy, LATE + dt.timedelta(hours=1)),
    ]
    check_decisions(
        articles,
        kept=["original"],
        duplicates=[("copy", "original", "near"), ("copy-again", "original", "near")],
    )


def test_decisions_do_not_depend_on_shards_or_flushes(monkeypatch):
    monkeypatch.setattr(batch, "SHARDS", 3)
    monkeypatch.setattr(batch, "FLUSH_BYTES", 1)  # every article flushes its entries
    test_batch_keeps_the_earliest_and_names_it_in_every_duplicate()


def test_packed_refs_and_members_round_trip():
    order = (2**63 - 1, "kafka news/0@12 – ünïcode", "id-é")
    shingles = fingerprint(STORY).shingles
    assert unpack_ref(pack_ref(order, fingerprint(STORY).exact)) == (
        order,
        bytes.fromhex(fingerprint(STORY).exact),
    )
    member = unpack_member(pack_member(order, shingles))
    assert (member.order, member.article_id) == (order, "id-é")
    assert member.shingles.dtype == np.uint32 and np.array_equal(member.shingles, shingles)
    assert unpack_member(pack_member(order, shingles[:0])).shingles.size == 0


def test_ascii_text_splits_into_the_same_words_as_unicode_text():
    every_ascii = "".join(map(chr, range(128)))
    text = f"{every_ascii} Don't_stop x1 \x1c\x1f{every_ascii[::-1]}"
    assert words(text) == re.findall(r"\w+", text.casefold())
    assert words(text + " é") == [*words(text), "é"]  # the Unicode path, same words
