"""Admin for SLA policies, their targets and the escalation rules."""
