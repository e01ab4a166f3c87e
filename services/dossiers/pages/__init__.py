"""The dossiers service's pages in a browser, one module per workflow, all on one blueprint (`pages`): the
officer's workbench (workbench), one dossier and what she does with it (dossier), the head's view of the
unit's dossiers (unit), the apologies waiting for her signature (apologies), and a citizen's look-up with
the receipt's secret and the receipt itself (lookup)."""

from services.dossiers.pages import apologies, dossier, lookup, unit, workbench
from services.dossiers.pages.common import pages

__all__ = ["apologies", "dossier", "lookup", "pages", "unit", "workbench"]
