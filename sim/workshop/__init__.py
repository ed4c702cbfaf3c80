"""Workshop mode: exercise cards, teams, rounds, shocks and a facilitator's board, on SQLite.

Nothing here imports Streamlit: the app's workshop pages, the bots in the tests and any script drive
the same functions (:mod:`~sim.workshop.store` persists, :mod:`~sim.workshop.flows` adjudicates and
exports, :mod:`~sim.workshop.cards` reads the exercises).
"""
