"""Extractive multi-source event summaries on small hand-written sentence sets."""

from sitegen.analysis.events.summarise import SourceSentence, summarize_event


def _article(article_id: str, *texts: str) -> list[SourceSentence]:
    return [SourceSentence(article_id=article_id, index=k, text=t) for k, t in enumerate(texts)]


OUTLET_A = _article(
    "outlet-a",
    "OSLO (Wire) — Norway and Chile signed a treaty on Monday to protect deep-sea corals in the South "
    "Pacific, the first such pact between the two countries.",
    "The treaty bans bottom trawling in three marine reserves and sets up a joint scientific panel.",
    '"This is a historic day for the ocean," the Norwegian minister told reporters at the signing.',
    "Read more about ocean policy here.",
    "Fishing groups in both countries said they would study the text before taking a position...",
)
OUTLET_B = _article(
    "outlet-b",
    "Norway and Chile signed a treaty on Monday to protect deep-sea corals in the South Pacific, the "
    "first pact of its kind between the two nations.",
    "Chilean officials said the marine reserves cover an area larger than Portugal.",
    "Enforcement will rely on satellite tracking of fishing vessels, the officials added.",
)
OUTLET_C = _article(
    "outlet-c",
    "Environmental groups welcomed the coral treaty but warned that enforcement at sea remains weak.",
    "Critics in Santiago said the government consulted too few coastal communities before signing.",
)
EVENT = OUTLET_A + OUTLET_B + OUTLET_C


def _words(summary) -> int:
    return sum(len(s.text.split()) for s in summary)


def test_summary_respects_word_budget():
    for budget in (15, 30, 60, 120):
        summary = summarize_event(EVENT, max_words=budget)
        assert _words(summary) <= budget
    assert _words(summarize_event(EVENT, max_words=60)) > 30


def test_redundant_lead_repeated_by_second_outlet_appears_once():
    summary = summarize_event(EVENT, max_words=120)
    treaty_leads = [s for s in summary if "signed a treaty on Monday" in s.text]
    assert len(treaty_leads) == 1
    assert len({s.article_id for s in summary}) >= 2  # more than one outlet is used


def test_sentences_cite_their_article_and_position():
    by_key = {(s.article_id, s.index): s for s in EVENT}
    summary = summarize_event(EVENT, max_words=120)
    assert summary
    for sentence in summary:
        source = by_key[(sentence.article_id, sentence.index)]
        assert sentence.text in source.text  # extractive: at most trimmed, never rewritten


def test_quotes_boilerplate_and_truncated_teasers_are_skipped():
    texts = [s.text for s in summarize_event(EVENT, max_words=500)]
    assert not any("historic day" in t or "Read more" in t or t.endswith("...") for t in texts)


def test_dateline_is_trimmed():
    summary = summarize_event(OUTLET_A, max_words=120)
    assert summary[0].index == 0
    assert summary[0].text.startswith("Norway and Chile signed")


def test_reading_order_follows_articles_then_positions():
    summary = summarize_event(EVENT, max_words=120)
    order = {"outlet-a": 0, "outlet-b": 1, "outlet-c": 2}
    keys = [(order[s.article_id], s.index) for s in summary]
    assert keys == sorted(keys)


def test_deterministic():
    first = summarize_event(EVENT, max_words=80)
    assert all(summarize_event(EVENT, max_words=80) == first for _ in range(3))


def test_nothing_usable_gives_empty_summary():
    assert summarize_event([]) == []
    assert summarize_event(_article("x", "Read more here.", "Photo: Getty Images")) == []


def test_a_sentence_split_mid_thought_is_joined_again():
    split = _article(
        "split",
        "Weeks of talks between the governor's office and Sen. Ruth Alvarado (D-N.M.)",
        "came to an unceremonious end on Tuesday after the two sides failed to agree on water rights.",
    )
    summary = summarize_event(split, max_words=120)
    assert [s.text for s in summary] == [
        "Weeks of talks between the governor's office and Sen. Ruth Alvarado (D-N.M.) came to an unceremonious "
        "end on Tuesday after the two sides failed to agree on water rights."
    ]


def test_a_summary_never_opens_on_a_pronoun_without_its_sentence():
    lone = _article(
        "lone",
        "Rent law",  # a heading: no sentence for "It" to lean on
        "It also bans short-term holiday lets in buildings where families live, from next March.",
        "Landlords' groups said they would challenge the rent cap in the constitutional court.",
    )
    for budget in (20, 40, 120):
        assert not any(s.text.startswith("It ") for s in summarize_event(lone, max_words=budget))
    leaning = _article(
        "leaning",
        "Portugal's parliament approved a law on Wednesday that caps rents in Lisbon and Porto for five years.",
        "But it also bans short-term holiday lets in buildings where families live, from next March.",
    )
    for budget in (20, 40, 120):
        texts = [s.text for s in summarize_event(leaning, max_words=budget)]
        assert texts and not any(t.startswith("But ") for t in texts)
        # only right after the sentence it depends on, or not at all
        assert all(t.startswith("Portugal's parliament approved") for t in texts if "But it also bans" in t)


def test_words_in_quotation_marks_are_never_the_digests_own_statement():
    story = _article(
        "quoted",
        "Portugal's parliament approved a law on Wednesday that caps rents in Lisbon and Porto for five years.",
        '"This law will empty our cities of the people who keep them alive.',
        'Rents in Lisbon have doubled since 2015 and families are being pushed out."',
        'The law is "a historic victory" for tenants in every city of the country.',
        'Tenant unions in every city of the country called the new law "a historic victory".',
    )
    texts = [s.text for s in summarize_event(story, max_words=200)]
    assert not any("Rents in Lisbon have doubled" in t for t in texts)  # the second sentence of a quote
    assert not any(t.startswith("The law is") for t in texts)  # quoted words that no one is said to say
    assert any(t.startswith("Tenant unions in every city") for t in texts)  # with its attribution it may stand
