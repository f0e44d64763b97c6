"""The intent stage."""
