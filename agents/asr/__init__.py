"""The asr stage."""
