"""Language of a story text, from the share of its words on each jusText stopword list.

Function words make up a large, stable share of running text in every language, and the
clean stage already holds jusText's lists for about 100 languages, so this needs no model:
the language is the list covering most of the words. Texts that no list covers (scripts
without spaces between words, tables of names and figures) are undetermined (``und``).
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pipelines.clean.wordlists import MIN_STOPLIST_COVERAGE, stopword_coverage

ENGLISH = "en"
UNDETERMINED = "und"
# English is chosen when its list covers at least this share of the best list's coverage
# (Simple_English, and lists polluted by English words and names, such as the Finnish one,
# score about the same on English text; on other languages English covers under half).
ENGLISH_MARGIN = 0.75
# Only the first words are looked at: enough to decide, and a 20 MB text costs no more.
SAMPLE_WORDS = 2000
_WORD = re.compile(r"\w+(?:['’]\w+)?")

# jusText list names to ISO 639-1 codes (ISO 639-2/3 where there is no two-letter code).
ISO_CODES = {
    "Afrikaans": "af", "Albanian": "sq", "Arabic": "ar", "Aragonese": "an", "Armenian": "hy",
    "Aromanian": "rup", "Asturian": "ast", "Azerbaijani": "az", "Basque": "eu",
    "Belarusian": "be", "Belarusian_Taraskievica": "be", "Bengali": "bn",
    "Bishnupriya_Manipuri": "bpy", "Bosnian": "bs", "Breton": "br", "Bulgarian": "bg",
    "Catalan": "ca", "Cebuano": "ceb", "Chuvash": "cv", "Croatian": "hr", "Czech": "cs",
    "Danish": "da", "Dutch": "nl", "English": "en", "Esperanto": "eo", "Estonian": "et",
    "Finnish": "fi", "French": "fr", "Galician": "gl", "Georgian": "ka", "German": "de",
    "Greek": "el", "Gujarati": "gu", "Haitian": "ht", "Hebrew": "he", "Hindi": "hi",
    "Hungarian": "hu", "Icelandic": "is", "Ido": "io", "Igbo": "ig", "Indonesian": "id",
    "Irish": "ga", "Italian": "it", "Javanese": "jv", "Kannada": "kn", "Kazakh": "kk",
    "Korean": "ko", "Kurdish": "ku", "Kyrgyz": "ky", "Latin": "la", "Latvian": "lv",
    "Lithuanian": "lt", "Lombard": "lmo", "Low_Saxon": "nds", "Luxembourgish": "lb",
    "Macedonian": "mk", "Malay": "ms", "Malayalam": "ml", "Maltese": "mt", "Marathi": "mr",
    "Neapolitan": "nap", "Nepali": "ne", "Newar": "new", "Norwegian_Bokmal": "nb",
    "Norwegian_Nynorsk": "nn", "Occitan": "oc", "Persian": "fa", "Piedmontese": "pms",
    "Polish": "pl", "Portuguese": "pt", "Quechua": "qu", "Romanian": "ro", "Russian": "ru",
    "Samogitian": "sgs", "Serbian": "sr", "Serbo_Croatian": "sh", "Sicilian": "scn",
    "Simple_English": "en", "Slovak": "sk", "Slovenian": "sl", "Spanish": "es",
    "Sundanese": "su", "Swahili": "sw", "Swedish": "sv", "Tagalog": "tl", "Tamil": "ta",
    "Telugu": "te", "Turkish": "tr", "Turkmen": "tk", "Ukrainian": "uk", "Urdu": "ur",
    "Uzbek": "uz", "Vietnamese": "vi", "Volapuk": "vo", "Walloon": "wa", "Waray_Waray": "war",
    "Welsh": "cy", "West_Frisian": "fy", "Western_Panjabi": "pnb", "Yoruba": "yo",
}  # fmt: skip


class Language(NamedTuple):
    """A detected language: ISO code, jusText list name and the share of words it covers."""

    code: str
    name: str
    share: float
    english_share: float

    def describe(self) -> str:
        """For a person: which language, and the evidence."""
        if self.code == UNDETERMINED:
            return (
                f"language undetermined: no stopword list covers {MIN_STOPLIST_COVERAGE:.0%} "
                f"of the words (English covers {self.english_share:.0%})"
            )
        return (
            f"detected language {self.name} ({self.code}): its stopwords are "
            f"{self.share:.0%} of the words, English ones {self.english_share:.0%}"
        )


def detect_language(text: str) -> Language:
    """The language of ``text`` by stopword coverage (``und`` when no list fits)."""
    words = []
    for match in _WORD.finditer(text):
        words.append(match.group().lower())
        if len(words) >= SAMPLE_WORDS:
            break
    if not words:
        return Language(UNDETERMINED, "", 0.0, 0.0)
    coverage = stopword_coverage(words)
    best = max(coverage, key=coverage.__getitem__)
    english = coverage["English"] / len(words)
    share = coverage[best] / len(words)
    if share < MIN_STOPLIST_COVERAGE:
        return Language(UNDETERMINED, "", share, english)
    if english >= MIN_STOPLIST_COVERAGE and english >= ENGLISH_MARGIN * share:
        return Language(ENGLISH, "English", english, english)
    return Language(ISO_CODES.get(best, best.lower()), best, share, english)
