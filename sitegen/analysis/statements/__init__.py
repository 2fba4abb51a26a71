"""The statements stage: what each article states (`extract.article_statements`, from that article's inputs
alone), then the cross-article step (`meetings.py`): relations merged, matched to events, bilateral pairs.

coreference.py reads one article (who "he" and "the two leaders" are); relations.py finds meetings, visits,
talks, calls and agreements; quotes.py finds quotes and their speakers; models.py holds what they hand on.
"""
