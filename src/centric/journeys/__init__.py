"""Customer journeys from events: sessions, stages, paths, funnels and friction points.

Set-based work is Ibis expressions over the store's ``events`` (and ``feedback``,
``tickets``), so the same call runs on DuckDB and on Spark; results come back as
small pandas frames (one row per step, stage, path or friction point).

* Sessions: :func:`sessionize` (a session key per event, 30-minute inactivity rule) and
  :func:`sessions` (one row per session).
* Stages: :class:`StageModel` (event → awareness, consideration, purchase, retention,
  advocacy) and :func:`stage_table`.
* Paths: :func:`top_paths` to the first purchase and their :func:`sankey` figure.
* Funnels: :func:`funnel` with step conversion, Wilson intervals and the median time
  between steps, cut by channel or by a persona/segment column joined by the caller.
* Friction: :func:`friction_points`, each with its evidence and a sentence in vi and en.
* Figures: :func:`journey_map`, :func:`funnel_figure`, :func:`friction_figure`, :func:`figures`.
* The main job's step: :func:`journeys_step`.
"""

from centric.journeys._common import DEFAULT_STEPS, SYSTEM_EVENTS
from centric.journeys._feedback import NEGATIVE_RULES, polarity
from centric.journeys._figures import figures, friction_figure, funnel_figure, journey_map
from centric.journeys._friction import (
    DEFAULT_TICKET_TOPICS,
    DEFAULT_TOUCHPOINTS,
    FRICTION_COLUMNS,
    friction_points,
    rank_friction,
)
from centric.journeys._funnel import FUNNEL_COLUMNS, funnel
from centric.journeys._paths import sankey, top_paths
from centric.journeys._sessions import sessionize, sessions
from centric.journeys._stages import DEFAULT_STAGES, STAGE_COLUMNS, StageModel, stage_table
from centric.journeys._step import PERSONA_SOURCES, journeys_step, persona_column

__all__ = [
    "DEFAULT_STAGES",
    "DEFAULT_STEPS",
    "DEFAULT_TICKET_TOPICS",
    "DEFAULT_TOUCHPOINTS",
    "FRICTION_COLUMNS",
    "FUNNEL_COLUMNS",
    "NEGATIVE_RULES",
    "PERSONA_SOURCES",
    "STAGE_COLUMNS",
    "SYSTEM_EVENTS",
    "StageModel",
    "figures",
    "friction_figure",
    "friction_points",
    "funnel",
    "funnel_figure",
    "journey_map",
    "journeys_step",
    "persona_column",
    "polarity",
    "rank_friction",
    "sankey",
    "sessionize",
    "sessions",
    "stage_table",
    "top_paths",
]
