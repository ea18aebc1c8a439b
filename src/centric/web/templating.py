"""The Jinja2 environment of the app's own pages (login); autoescape is on for .html."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates

from centric.i18n import t

__all__ = ["templates"]

templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent / "templates"))
templates.env.globals["t"] = t
