"""The alliance over time: a yearly state, scripted events and hazards, one stage game a year.

:func:`~sim.timeline.engine.project` runs a projection; :mod:`sim.timeline.summary` reads it. The
timeline section's schema is :mod:`sim.spec.timeline_section`.
"""

from sim.spec.timeline_section import Timeline, parse_timeline
from sim.timeline.engine import Projection, project

__all__ = ["Projection", "Timeline", "parse_timeline", "project"]
