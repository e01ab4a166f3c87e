"""Discipline's pages in a browser, one module per workflow: signing in and out (sign_in); explanation
requests submitted and judged (explanations); Home Affairs' workspace, violations, eligibility and audit
(inspector); sanction proposals (proposals); inspections."""

from services.discipline.pages.explanations import pages as explanations
from services.discipline.pages.inspections import pages as inspections
from services.discipline.pages.inspector import pages as inspector
from services.discipline.pages.proposals import pages as proposals
from services.discipline.pages.sign_in import pages as sign_in

__all__ = ["explanations", "inspections", "inspector", "proposals", "sign_in"]
