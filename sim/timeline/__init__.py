"""The alliance over time: a yearly state, scripted events and hazards, one stage game a year.

The names below load on first use, so that a command which only registers the timeline's options
(``alliance-sim run``) does not pay for the engine and its schema at start-up."""

from importlib import import_module

__all__ = ["Projection", "Timeline", "parse_timeline", "project"]
_HOME = {"Projection": "engine", "project": "engine", "Timeline": "spec", "parse_timeline": "spec"}


def __getattr__(name: str):
    if name in _HOME:
        return getattr(import_module(f"sim.timeline.{_HOME[name]}"), name)
    raise AttributeError(f"module 'sim.timeline' has no attribute '{name}'")
