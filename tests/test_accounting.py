"""Every input ends in exactly one of four places, whatever arrives.

The whole pipeline (``pipelines.run``) reads the seeds plus a folder of bad input: invalid
UTF-8, truncated and deeply nested JSON, wrong field types, a page with no body, a 20 MB
article, a single 100,000-character token, empty and whitespace-only text, lone surrogates,
and non-English stories. The run's counters must say: read = articles with events + articles
without events + duplicates + dead letters; the Avro files must hold the same numbers; every
dead letter has a stage, a reason a person can read and the raw payload.
"""

from __future__ import annotations

import glob
import json
import os
from pathlib import Path

import fastavro
import pytest

from pipelines import counting
from pipelines.clean.language import detect_language
from pipelines.run import main as run_main
from pipelines.run import run

STORY = (
    "The foreign minister met her counterpart in Geneva on Monday to discuss the ceasefire. "
    "Both governments agreed to resume talks next month, officials said after the meeting. "
    "The opposition accused the government of hiding the terms of the deal from parliament."
)
OTHER_STORY = (
    "Striking dock workers blocked the port of Rotterdam for a third day on Wednesday. "
    "The union demanded higher wages and threatened to extend the strike to Antwerp. "
    "Port operators urged the government to mediate before shipping lines divert cargo."
)
WEATHER = (
    "Heavy rain fell across the northern valleys overnight, and rivers rose to their highest "
    "level this year. Forecasters expect drier weather by the weekend, with sunshine in the "
    "south and light winds along the coast on Sunday afternoon."
)
GERMAN = (
    "Die Bundesregierung hat am Dienstag beschlossen, dass die Hilfen für die Ukraine "
    "ausgeweitet werden sollen. Der Kanzler sagte, man werde mit den Partnern in der "
    "Europäischen Union eng zusammenarbeiten und die Lieferungen noch in diesem Jahr "
    "beginnen. Die Opposition kritisierte, dass das Parlament nicht beteiligt worden sei."
)
CHINESE = "政府周二宣布将增加对乌克兰的援助。总统表示，将与欧盟伙伴密切合作，并在今年开始交付。" * 3

# (file name, content, expected (stage, error_type) of each dead letter it gives)
BAD_FILES = [
    ("latin1.txt", "Titel\n\nStraße".encode("latin-1"), [("read", "undecodable_bytes")]),
    ("empty.txt", b"", [("read", "no_text")]),
    ("blank.txt", b"  \n\t\n  \n", [("read", "no_text")]),
    ("title_only.txt", b"Just a headline\n\n   \n", [("read", "no_text")]),
    ("nobody.html", b"<html><head><title>x</title></head></html>", [("clean", "no_main_text")]),
    ("binary.bin", bytes(range(256)), [("read", "unsupported_extension")]),
    ("token.txt", ("A title\n\n" + "x" * 100_000).encode(), [("clean", "too_short")]),
    ("huge.txt", ("A title\n\n" + STORY * 80_000).encode(), [("clean", "too_long")]),
    ("german.txt", f"Titel\n\n{GERMAN}".encode(), [("clean", "non_english")]),
    ("chinese.txt", f"标题\n\n{CHINESE}".encode(), [("clean", "too_short")]),
]  # fmt: skip
BAD_LINES = [
    (b"\xff\xfe\xfa not UTF-8", ("read", "undecodable_bytes")),
    (b'{"text": "truncated', ("read", "invalid_json")),
    (b"[" * 100_000 + b"]" * 100_000, ("read", "invalid_json")),
    (b'{"text": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_001, ("read", "invalid_json")),
    (b'["a list"]', ("read", "not_an_article")),
    (b"42", ("read", "not_an_article")),
    (b'{"text": 42}', ("read", "invalid_article")),
    (b'{"text": ["a", "b"]}', ("read", "invalid_article")),
    (b'{"text": "' + STORY.encode() + b'", "title": {"x": 1}}', ("read", "invalid_article")),
    (b'{"text": "' + STORY.encode() + b'", "published_at": "today"}', ("read", "invalid_article")),
    (b'{"text": "   \\n\\t  "}', ("read", "invalid_article")),
    (b'{"html": "<html><body></body></html>"}', ("clean", "no_main_text")),
    (b'{"text": "' + STORY.encode() + b' \\ud800"}', ("read", "invalid_unicode")),
    (b'{"article_id": "\\udc80", "text": "' + STORY.encode() + b'"}', ("read", "invalid_unicode")),
    (json.dumps({"text": GERMAN}).encode(), ("clean", "non_english")),
]  # fmt: skip
GOOD_LINES = [
    json.dumps({"article_id": "good-1", "title": "Talks", "text": STORY}).encode(),
    # A story with one 100,000-character token in it still goes through spaCy.
    json.dumps({"article_id": "good-2", "text": f"{OTHER_STORY} {'y' * 100_000}"}).encode(),
    json.dumps({"article_id": "no-event", "text": WEATHER}).encode(),
]


def read_avro(out: Path, kind: str) -> list[dict]:
    rows = []
    for path in sorted(glob.glob(os.path.join(out, f"{kind}-*.avro"))):
        with open(path, "rb") as f:
            rows.extend(fastavro.reader(f))
    return rows


def assert_accounted(totals: dict[str, int], out: Path) -> None:
    """The identity on the counters, and the counters equal to what the files hold."""
    ends = {name: totals[name] for name in counting.OUTCOMES}
    print(f"inputs {totals[counting.READ]}, ends {ends}, events {totals[counting.EVENTS]}")
    assert totals[counting.READ] == sum(ends.values())
    assert counting.balanced(totals)
    assert totals[counting.SINK_REJECTS] == 0
    articles, events = read_avro(out, "articles"), read_avro(out, "events")
    assert len(articles) == totals[counting.WITH_EVENTS] + totals[counting.WITHOUT_EVENTS]
    assert len(events) == totals[counting.EVENTS]
    with_events = {e["article_id"] for e in events}
    assert len(with_events) == totals[counting.WITH_EVENTS]
    assert with_events <= {a["article_id"] for a in articles}
    assert len(read_avro(out, "duplicates")) == totals[counting.DUPLICATES]
    assert len(read_avro(out, "dead_letters")) == totals[counting.DEAD_LETTERS]


@pytest.fixture(scope="module")
def bad_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    for name, content, _ in BAD_FILES:
        (folder / name).write_bytes(content)
    (folder / "lines.jsonl").write_bytes(b"\n".join([*GOOD_LINES, *(v for v, _ in BAD_LINES)]))
    return folder


@pytest.fixture(scope="module")
def bad_run(tmp_path_factory, seeds_dir, bad_dir):
    out = tmp_path_factory.mktemp("out")
    totals = run([f"--input={seeds_dir}", f"--input={bad_dir}", f"--output_dir={out}"])
    return totals, out


def test_every_input_ends_in_exactly_one_place(bad_run):
    totals, out = bad_run
    assert_accounted(totals, out)
    bad_items = sum(len(expected) for *_, expected in BAD_FILES) + len(BAD_LINES)
    assert totals[counting.READ] == 4 + len(GOOD_LINES) + bad_items
    assert totals[counting.DEAD_LETTERS] == bad_items
    assert totals[counting.DUPLICATES] == 1  # the seeds' syndicated copy
    assert totals[counting.WITH_EVENTS] == 5  # three seeds and two good lines
    assert totals[counting.WITHOUT_EVENTS] == 1  # the weather report


def test_each_bad_input_is_a_dead_letter_with_its_reason_and_raw_payload(bad_run, bad_dir):
    _, out = bad_run
    dead = {os.path.basename(d["origin"]): d for d in read_avro(out, "dead_letters")}
    expected = {name: reasons[0] for name, _, reasons in BAD_FILES}
    for number, (_, reason) in enumerate(BAD_LINES, start=len(GOOD_LINES) + 1):
        expected[f"lines.jsonl:{number}"] = reason
    assert {o: (d["stage"], d["error_type"]) for o, d in dead.items()} == expected
    for origin, letter in dead.items():
        assert len(letter["error_message"]) > 10, letter
        if letter["stage"] == "read" and origin.startswith("lines.jsonl"):
            raw = BAD_LINES[int(origin.split(":")[1]) - len(GOOD_LINES) - 1][0]
            assert letter["payload"] == raw[: len(letter["payload"])]
            assert letter["payload_truncated"] == (len(raw) > len(letter["payload"]))
        elif letter["stage"] == "read" and letter["error_type"] != "unsupported_extension":
            assert letter["payload"] == (bad_dir / origin).read_bytes()
        else:
            assert letter["payload"], letter
    huge = dead["huge.txt"]
    assert huge["payload_truncated"] and "more than the maximum" in huge["error_message"]
    assert "German" in dead["german.txt"]["error_message"]
    assert "U+D800" in dead[f"lines.jsonl:{len(GOOD_LINES) + 13}"]["error_message"]


def test_non_english_kept_on_request_without_events(tmp_path, bad_dir):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "german.txt").write_bytes((bad_dir / "german.txt").read_bytes())
    (folder / "lines.jsonl").write_bytes(GOOD_LINES[0])
    out = tmp_path / "out"
    totals = run([f"--input={folder}", f"--output_dir={out}", "--non_english=keep"])
    assert_accounted(totals, out)
    assert (totals[counting.WITH_EVENTS], totals[counting.WITHOUT_EVENTS]) == (1, 1)
    languages = {a["article_id"]: a["language"] for a in read_avro(out, "articles")}
    assert languages.pop("good-1") == "en"
    assert list(languages.values()) == ["de"]
    assert {e["article_id"] for e in read_avro(out, "events")} == {"good-1"}


def test_language_detection_on_short_stories():
    assert detect_language(STORY).code == "en"
    assert detect_language(GERMAN).code == "de"
    assert detect_language(CHINESE).code == "und"
    assert detect_language("").code == "und"
    assert "English" in detect_language(GERMAN).describe()


def test_summary_prints_the_four_ends_and_the_identity(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "lines.jsonl").write_bytes(b"\n".join([GOOD_LINES[0], b"{oops"]))
    assert run_main([f"--input={folder}", f"--output_dir={tmp_path / 'out'}"]) == 0
    printed = capsys.readouterr().out
    for name in counting.OUTCOMES:
        assert name.replace("_", " ") in printed
    assert (
        "read 2 = with events 1 + without events 0 + duplicates 0 + dead letters 1: balanced"
        in printed
    )


def test_unbalanced_counts_are_reported():
    totals = dict.fromkeys(counting.SUMMARY_ORDER, 0)
    totals.update({counting.READ: 3, counting.WITH_EVENTS: 1, counting.KEPT: 1})
    totals[counting.DEAD_LETTERS] = 1
    assert not counting.balanced(totals)
    totals[counting.WITHOUT_EVENTS] = 1
    assert not counting.balanced(totals)  # kept must also be with + without events
    totals[counting.KEPT] = 2
    assert counting.balanced(totals)
