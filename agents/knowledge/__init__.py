"""The knowledge stage: applies live updates to the graph."""
