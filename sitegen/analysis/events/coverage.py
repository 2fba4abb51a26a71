"""What each source adds to an event: the one sentence of an article that tells what no other source does.

A sentence's novelty is the number of its content words (nouns, proper nouns, verbs, adjectives and numbers,
by lemma) that no other original article of the event uses anywhere; wire copies repeat their original and
neither count as other sources nor get a sentence of their own. An article whose best sentence adds fewer
than MIN_NEW_WORDS such words adds nothing the page can name, and gets none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ...nlp.models import ParsedArticle
from ..models import Event, SummarySentence

CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
MIN_NEW_WORDS = 3
SENTENCE_TOKENS = (8, 60)  # shorter is a fragment or a dateline, longer a run-on the parser did not split


def _content_words(parsed: ParsedArticle) -> dict[int, set[str]]:
    """Sentence index -> the lemmas of its content words."""
    words: dict[int, set[str]] = defaultdict(set)
    for token in parsed.tokens:
        if token.pos in CONTENT_POS and len(token.text) > 2:
            words[token.sentence].add(token.lemma.lower())
    return words


def sentence_added(own: ParsedArticle, words: Mapping[int, set[str]], known: set[str]) -> SummarySentence | None:
    """The sentence of `own` (its content `words` by sentence) richest in words not in `known` (the other
    originals' words), or None when none adds enough."""
    best, best_new = None, MIN_NEW_WORDS - 1
    for sentence in own.sentences:  # the earliest of equally rich sentences wins
        length = sentence.last_token - sentence.first_token
        if not SENTENCE_TOKENS[0] <= length <= SENTENCE_TOKENS[1]:
            continue
        new = len(words[sentence.index] - known)
        if new > best_new:
            best, best_new = sentence, new
    if best is None:
        return None
    lead = len(best.text) - len(best.text.lstrip())
    return SummarySentence(article_id=own.article_id, index=best.index, text=best.text.strip(), start=best.start + lead)


def sentences_added(events: Sequence[Event], parsed: Mapping[str, ParsedArticle]) -> dict[str, SummarySentence]:
    """Article id -> the sentence it adds to its event, for every original in an event of two or more. Each
    article's words are read once per event, not once per other article."""
    added = {}
    for event in events:
        copies = event.copy_of
        originals = [a for a in event.articles if a not in copies]
        if len(originals) < 2:
            continue
        words = {a: _content_words(parsed[a]) for a in originals if a in parsed}
        vocabulary = {a: set().union(*w.values()) for a, w in words.items()}
        for article_id in words:
            known = set().union(*(vocabulary[o] for o in words if o != article_id))
            found = sentence_added(parsed[article_id], words[article_id], known)
            if found is not None:
                added[article_id] = found
    return added
