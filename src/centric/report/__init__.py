"""The static HTML report (Jinja2 + Plotly, one offline file) and summary.json."""

from centric.report._render import CARD_ORDER, render_report, write_report, write_summary

__all__ = ["CARD_ORDER", "render_report", "write_report", "write_summary"]
