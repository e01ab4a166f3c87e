"""Discipline's pages in a browser, one module per workflow: signing in and out (sign_in)."""

from services.discipline.pages.sign_in import pages as sign_in

__all__ = ["sign_in"]
