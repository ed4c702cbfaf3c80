"""The alliance over time: a yearly state, scripted events and hazards, one stage game a year."""

from sim.timeline.engine import Projection, project
from sim.timeline.spec import Timeline, parse_timeline

__all__ = ["Projection", "Timeline", "parse_timeline", "project"]
