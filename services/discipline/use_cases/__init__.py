"""Use cases of the discipline service, one module per aggregate or user goal; each use case is one unit
of work: load, apply the domain rules, record events."""
