"""The running system: settings, Faust app factory, topic catalog, tracing, edges."""
