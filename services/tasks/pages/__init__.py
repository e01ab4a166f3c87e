"""The tasks service's pages in a browser, one module per workflow on one blueprint (`pages`): the units'
workbench (an officer's tasks, a head's unit, one task), the Office's directives and assignments, the
Monday list, the leaders' summaries."""

from services.tasks.pages import directives, leaders, monday, workbench
from services.tasks.pages.common import pages

__all__ = ["directives", "leaders", "monday", "pages", "workbench"]
