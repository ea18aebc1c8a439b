"""Personas: RFM segments, persona discovery by clustering, profiles and narratives in vi and en.

* :func:`rfm_segments` — R, F, M quintile scores and the named RFM segment, as an Ibis expression.
* :func:`customer_features` — one feature row per customer, built in the backend.
* :class:`PersonaModel` — k-means personas; k chosen by silhouette, stability by adjusted Rand index.
* :func:`profile_personas` — size, value, NPS with interval, churn risk, mix, pain points, traits.
* :func:`name_personas`, :func:`narrative` — unique names and short stories from templates;
  :func:`pain_sentence` — the pain point that sets a persona apart, in words.
* :func:`personas_step` — the pipeline step; :func:`figures` — the report's persona charts.
"""

from centric.personas._features import FEATURE_GROUPS, customer_features
from centric.personas._figures import figures
from centric.personas._model import DEFAULT_GROUP_WEIGHTS, NotEnoughDataError, PersonaModel
from centric.personas._narrative import name_personas, narrative, pain_sentence, trait_phrase
from centric.personas._profile import profile_personas
from centric.personas._rfm import RFM_SEGMENTS, rfm_segment_name, rfm_segments
from centric.personas._step import personas_step

__all__ = [
    "DEFAULT_GROUP_WEIGHTS",
    "FEATURE_GROUPS",
    "RFM_SEGMENTS",
    "NotEnoughDataError",
    "PersonaModel",
    "customer_features",
    "figures",
    "name_personas",
    "narrative",
    "pain_sentence",
    "personas_step",
    "profile_personas",
    "rfm_segment_name",
    "rfm_segments",
    "trait_phrase",
]
