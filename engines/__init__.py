"""Heavy backends behind one Protocol each, chosen by settings, imported lazily."""
