"""The web app: pages, JSON API (/api/v1) and public survey/preference pages over one workspace.

Build it with :func:`create_app`; ``centric serve`` runs it with uvicorn.
"""

from centric.web.app import create_app

__all__ = ["create_app"]
