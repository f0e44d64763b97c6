"""One package per stage: ``logic.py`` is pure (no Faust, env or clock), ``agent.py`` is the thin Faust agent."""
