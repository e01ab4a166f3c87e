"""The dossiers service's pages in a browser, one module per workflow, all on one blueprint (`pages`): the
officer's workbench (workbench), one dossier and what she does with it (dossier), the head's view of the
unit's dossiers (unit) and the apologies waiting for her signature (apologies)."""

from services.dossiers.pages import apologies, dossier, unit, workbench
from services.dossiers.pages.common import pages

__all__ = ["apologies", "dossier", "pages", "unit", "workbench"]
