"""Reporting's storage: the statements built once per dialect (`statements`), facts as rows (`facts`),
and the writes of the projections (`writes`). No decisions: the use cases say what to write."""
