"""Use cases of the reporting service, each in one unit of work: the projections of every event it reads
(`projections`), the rebuild from the archive, and the read side (scorecards, rankings, trends,
drill-downs, periodic reports, public lists)."""
