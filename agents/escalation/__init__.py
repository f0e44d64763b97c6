"""The escalation stage."""
