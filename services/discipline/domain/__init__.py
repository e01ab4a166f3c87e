"""Pure rules and value objects of the discipline service, split by concept. No Flask, no database,
no clock call: every date and instant is passed in."""
