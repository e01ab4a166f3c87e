"""Feedback's pages: the Open311 endpoint for existing clients (open311), the citizens' own pages to send
feedback, follow it by its code and rate the answer (citizen), and what each unit publishes for them: its
service rules and leaders' hotlines (publications)."""

from services.feedback.pages.citizen import pages as citizen
from services.feedback.pages.open311 import open311
from services.feedback.pages.publications import pages as publications

__all__ = ["citizen", "open311", "publications"]
