"""The clean stage's plain functions: normalisation, boilerplate removal, HTML main text."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.clean import classify, clean_html, clean_text, normalize_text
from pipelines.clean.wordlists import stoplist_for, stoplists

DATA = Path(__file__).parent / "data" / "clean"
SEED = (DATA / "seed.txt").read_text(encoding="utf-8")
SEED_TITLE = SEED.strip().split("\n")[0]

# The story paragraphs of the seed, as they must come out (the caption cut off the fifth).
SEED_STORY_STARTS = [
    "Japan’s new prime minister, Sanae Takaichi, has pledged",
    "During their meeting, the two leaders swiftly signed",
    "According to the joint statement, the objective is",
    "Takaichi and Trump, who last week became Japan’s first female prime minister",
    "Before their talks, the leaders shared a light moment",
    "Both leaders paid tribute to former prime minister Shinzo Abe",
    "Their talks focused on trade and security",
    "In a joint statement, the leaders reaffirmed",
    "Takaichi and Trump described the US–Japan security alliance",
    "Takaichi and Trump, who also met Emperor Naruhito",
    "Anything I can do to help Japan, we’ll be there,",
]
SEED_BOILERPLATE = [
    "Add a Comment",
    "Leave a Reply",
    "Your email address will not be published",
    "Keep Up to Date",
    "By pressing the Subscribe button",
    "Advertisement",
]

STORY = (
    "The regional council voted on Monday to close the old bridge to lorries after engineers "
    "found cracks in two of its supporting piers during a routine inspection last month."
)
STORY_2 = (
    "Officials said a temporary diversion would add about twenty minutes to journeys and that "
    "repairs were expected to take until the end of the year, subject to funding."
)


@pytest.fixture(scope="module")
def seed_paragraphs() -> list[str]:
    return clean_text(SEED, SEED_TITLE).split("\n\n")


def test_normalize_text_unifies_spaces_breaks_and_invisible_characters() -> None:
    raw = "Caf\u0065\u0301\u00a0 bar\u200b\r\n\r\n\r\n\r\n\tnext\u2028line\x00 "
    assert normalize_text(raw) == "Café bar\n\nnext\nline"


def test_seed_keeps_every_story_paragraph_in_order(seed_paragraphs: list[str]) -> None:
    assert len(seed_paragraphs) == len(SEED_STORY_STARTS)
    for paragraph, start in zip(seed_paragraphs, SEED_STORY_STARTS, strict=True):
        assert paragraph.startswith(start)


def test_seed_keeps_whole_paragraphs(seed_paragraphs: list[str]) -> None:
    source = normalize_text(SEED)
    assert all(p in source for p in seed_paragraphs)
    assert seed_paragraphs[1].endswith("markets for these key resources.")


@pytest.mark.parametrize("phrase", SEED_BOILERPLATE)
def test_seed_drops_boilerplate(seed_paragraphs: list[str], phrase: str) -> None:
    assert not any(phrase in p for p in seed_paragraphs)


def test_seed_drops_headline_lines_and_captions(seed_paragraphs: list[str]) -> None:
    assert not any("Golden Age’ in Japan US Relations" in p for p in seed_paragraphs)
    assert "Takaichi and Trump" not in seed_paragraphs
    assert not any(p.startswith("Takaichi and Trump Both") for p in seed_paragraphs)


def test_glued_caption_is_kept_when_it_never_stands_alone() -> None:
    text = (
        f"{STORY}\n\nTakaichi and Trump Both leaders paid tribute to Shinzo Abe today.\n\n{STORY_2}"
    )
    assert "Takaichi and Trump Both leaders" in clean_text(text)


def test_title_glued_to_first_paragraph_is_cut() -> None:
    title = "Bridge Closed to Lorries"
    assert clean_text(f"{title} {STORY}\n\n{STORY_2}", title).startswith("The regional council")


def test_repeated_paragraph_is_kept_once() -> None:
    assert clean_text(f"{STORY}\n\n{STORY_2}\n\n{STORY}") == f"{STORY}\n\n{STORY_2}"


def test_hard_wrapped_paragraph_is_joined() -> None:
    wrapped = STORY.replace(" after engineers ", " after\nengineers ")
    assert clean_text(f"{wrapped}\n\n{STORY_2}") == f"{STORY}\n\n{STORY_2}"


@pytest.mark.parametrize(
    "line",
    [
        "Sign up to our newsletter and get the headlines in your inbox every morning.",
        "Share this article on Facebook | Twitter | WhatsApp",
        "Read more: https://example.com/news/other-story",
        "We use cookies to improve your experience. By continuing you accept our policy.",
        "Advertisement",
    ],
)
def test_page_furniture_inside_the_story_is_dropped(line: str) -> None:
    assert clean_text(f"{STORY}\n\n{line}\n\n{STORY_2}") == f"{STORY}\n\n{STORY_2}"


def test_story_sentences_with_web_words_are_kept() -> None:
    tech = (
        "Shares in the social network rose after it said users would be able to download the "
        "new app and share videos, a change its privacy policy now allows."
    )
    assert clean_text(f"{STORY}\n\n{tech}\n\n{STORY_2}") == f"{STORY}\n\n{tech}\n\n{STORY_2}"


def test_short_sentence_after_the_story_is_kept() -> None:
    tail = "The bridge reopens in May."
    assert clean_text(f"{STORY}\n\n{STORY_2}\n\n{tail}").endswith(tail)


def test_classify_gives_a_reason_for_every_block() -> None:
    verdicts = classify(f"{STORY}\n\nLeave a Reply", None)
    assert [(v.keep, v.reason) for v in verdicts] == [(True, "story"), (False, "page furniture")]


def test_html_page_gives_title_and_story_without_page_furniture() -> None:
    title, text = clean_html((DATA / "page.html").read_text(encoding="utf-8"))
    assert title == "Harbour Authority Approves New Ferry Terminal"
    paragraphs = text.split("\n\n")
    assert paragraphs[0].startswith("The harbour authority approved plans on Tuesday")
    assert paragraphs[-1].endswith("at the northern end of the harbour.")
    assert len(paragraphs) == 5
    for furniture in ("newsletter", "Leave a Reply", "rights reserved", "Most read", "Home"):
        assert furniture not in text


def test_html_title_given_by_the_source_wins() -> None:
    title, _ = clean_html((DATA / "page.html").read_text(encoding="utf-8"), "Ferry terminal")
    assert title == "Ferry terminal"


def test_standalone_line_of_story_names_is_a_caption() -> None:
    story = (
        "The talks between Anna Berg and Tomas Reyes ended without a deal on Friday, and both "
        "sides said they would meet again next week to discuss the funding of the bridge."
    )
    text = f"{story}\n\nAnna Berg and Tomas Reyes\n\n{STORY}\n\n{STORY_2}"
    assert clean_text(text) == f"{story}\n\n{STORY}\n\n{STORY_2}"


def test_standalone_subheading_stays() -> None:
    text = f"{STORY}\n\nWhat happens next\n\n{STORY_2}"
    assert clean_text(text) == text


def test_stoplist_is_chosen_by_the_language_of_the_text() -> None:
    french = "le conseil a voté lundi la fermeture du pont et les travaux dureront".split()
    assert stoplist_for(french) is stoplists()["French"]
    assert stoplist_for(STORY.lower().split()) is stoplists()["English"]
    assert stoplist_for(["商標権侵害と判断される場合があります"]) is None


@pytest.mark.parametrize(
    "line", ["Read more: What now for the bridge?", "Also read | Can the ferry cope?"]
)
def test_link_label_before_a_question_headline_is_dropped(line: str) -> None:
    assert clean_text(f"{STORY}\n\n{line}\n\n{STORY_2}") == f"{STORY}\n\n{STORY_2}"


def test_list_after_the_story_goes_on_past_an_advert() -> None:
    sheet = ["Morrison, Wilson.", "Mensing, Sheridan.", "Marshall, Laursen."]
    text = "\n\n".join([STORY, STORY_2, sheet[0], "Advertisement", *sheet[1:]])
    assert clean_text(text) == "\n\n".join([STORY, STORY_2, *sheet])


def test_list_line_after_the_story_and_a_cue_ends_the_story() -> None:
    text = f"{STORY}\n\n{STORY_2}\n\nShare this article\n\nBridge Repairs Delayed Again"
    assert clean_text(text) == f"{STORY}\n\n{STORY_2}"


def test_sentence_after_page_furniture_goes_on_with_the_list_after_it() -> None:
    text = f"{STORY}\n\nAdvertisement\n\nHalliwell, Mensing, Bollan, Balmer.\n\n8,200\n\nC Thomson"
    assert (
        clean_text(text) == f"{STORY}\n\nHalliwell, Mensing, Bollan, Balmer.\n\n8,200\n\nC Thomson"
    )


def test_lines_of_a_list_of_names_are_no_captions() -> None:
    story = (
        "The comedy awards went to Catherine Tate and to Matt Lucas, while Caroline Quentin "
        "and Doc Martin were also honoured at the ceremony in London on Saturday night."
    )
    nominees = ["Catherine Tate (BBC Two)", "Matt Lucas (BBC Three)", "Caroline Quentin (ITV1)"]
    text = "\n\n".join([story, STORY, *nominees])
    assert clean_text(text) == text


def test_caption_names_line_inside_a_list_of_other_lines_is_dropped() -> None:
    story = (
        "Mayor Anna Berg said the bridge would reopen in May, and Tomas Reyes said the council "
        "had found the money for the repairs after a long argument with the ministry."
    )
    fixtures = ["Leeds v Hull", "Anna Berg and Tomas Reyes", "York v Derby"]
    text = "\n\n".join([story, STORY, *fixtures])
    assert clean_text(text) == "\n\n".join([story, STORY, "Leeds v Hull", "York v Derby"])


def test_caption_glued_to_a_paragraph_is_cut_when_it_stands_alone_outside_the_story() -> None:
    story = (
        "Anna Berg said the bridge would reopen in May, and Tomas Reyes said the council had "
        "found the money for the repairs after a long argument with the ministry."
    )
    text = f"Anna Berg and Tomas Reyes\n\n{story}\n\nAnna Berg and Tomas Reyes {STORY}"
    assert clean_text(text) == f"{story}\n\n{STORY}"


def test_glued_caption_is_cut_when_the_next_word_is_also_used_alone() -> None:
    story = (
        "Council leader Arsene Wenger said on Monday that Arsene had argued for the repairs for "
        "years, and Wenger added that the bridge would reopen to lorries in May."
    )
    glued = f"Council and Arsene Wenger has said {STORY.lower()}"
    text = f"{story}\n\nCouncil and Arsene\n\n{glued}"
    assert clean_text(text) == f"{story}\n\nWenger has said {STORY.lower()}"


def test_glued_caption_is_kept_when_the_name_goes_on() -> None:
    story = (
        "The bridge was opened by Donald Trump Jr on Monday, and Donald Trump Jr said later that "
        "the repairs had been paid for by the council and the ministry together."
    )
    glued = f"Donald Trump Jr said {STORY.lower()}"
    text = f"{story}\n\nDonald Trump\n\n{glued}"
    assert clean_text(text).endswith(glued)


def test_seam_of_a_glued_caption_is_counted_as_whole_words() -> None:
    story = (
        "Mr Forsyth said the British Isles had seen worse threats, and that Mr Forsyth would not "
        "accept any more powers for the police whatever the government said."
    )
    glued = "Mr Forsyth and British I agree with every word of the article on the British Isles."
    text = f"{story}\n\nMr Forsyth and British\n\n{glued}\n\n{STORY}"
    assert "I agree with every word" in clean_text(text).split("\n\n")[1][:30]


def test_short_sentence_before_the_story_is_kept() -> None:
    text = f"The Haka and more!\n\n{STORY}\n\n{STORY_2}"
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("tail", "kept"),
    [
        (" ( Source )", ""),
        (" (see chart)", ""),
        (" (It later did.)", " (It later did.)"),
        ("", ""),
    ],
)
def test_link_label_after_the_last_sentence_is_cut(tail: str, kept: str) -> None:
    paragraph = (
        "The ferry operator said it would keep sailing through the winter, and that it would "
        "“stay on the route for as long as the town needs it.”"
    )
    text = f"{STORY}\n\n{paragraph}{tail}\n\n{STORY_2}"
    assert clean_text(text) == f"{STORY}\n\n{paragraph}{kept}\n\n{STORY_2}"
