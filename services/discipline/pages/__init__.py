"""Discipline's pages in a browser, one module per workflow: signing in and out (sign_in), explanation
requests submitted and judged (explanations)."""

from services.discipline.pages.explanations import pages as explanations
from services.discipline.pages.sign_in import pages as sign_in

__all__ = ["explanations", "sign_in"]
