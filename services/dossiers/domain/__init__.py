"""Pure rules of the dossiers service, by concept: `dossier` (statuses, codes, instants, what each state
allows), `procedure` (versions and their step plans), `procedure_list` (reading a procedure list file),
`working_time` (due instants, pauses, skipped days), `control_sheet` (steps, budgets, who answers),
`warning_points` (due soon, the apology due), `overrides` (operators' days), `ingest` (external events).
No Flask, database, broker or clock: time is passed in."""
