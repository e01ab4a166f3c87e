"""The pure domain of reporting, split by concept:

- periods: months and the periods readers ask for, and the instant each is judged at;
- progress: the "progress" group of the Decision 766/QĐ-TTg index (tally, formula versions, score);
- dossier_facts: dossier facts merged from events, per-(unit, month) rows, the exact rule at an instant;
- task_facts: task facts, their figures, per-month counters and the published counting rule;
- ranking: units by score, and what changed since the published ranking;
- composite: the composite score, its components, bands and versions;
- occurrences: the other facts counted, the figures drawn from them and their per-month counters;
- texts: caveats, texts of the figures, notes of the public lists, Vietnamese ways of writing;
- cadence: report periods and their issuing calendar; report_contents: what a periodic report lists;
- event_data: reading instants and texts out of an event.

No Flask, no database, no broker, no clock call: instants and time zones are passed in.
"""
