"""Feedback's pages: the Open311 endpoint for existing clients (open311) and the citizens' own pages, to
send feedback, follow it by its code and rate the answer (citizen)."""

from services.feedback.pages.citizen import pages as citizen
from services.feedback.pages.open311 import open311

__all__ = ["citizen", "open311"]
