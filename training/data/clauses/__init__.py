"""Clause and sentence families, one module each, every one producing a Turkish–English pair from
the same choices: sentence (what they share), activities and motion, transitive verbs, stative
(likes, nominal predicates, var / yok), questions, nature, and compound (two clauses)."""
