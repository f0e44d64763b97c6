"""The generation stage."""
