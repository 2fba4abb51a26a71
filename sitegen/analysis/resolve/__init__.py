"""The resolve stage: NER mentions become entities (`entities.resolve_entities`), handed on as a `Resolution`.

context.py holds what an article's resolution reads of all articles, and records those reads for the store;
names.py says what a name spells; people.py who is a person; mentions.py what one mention names;
constructors.py builds each kind of entity; places.py, roles.py and cards.py add where places lie, the roles
titles give and what curated cards state.
"""
