"""Errors of the running system (the root lives in ``contracts.errors``)."""
from contracts.errors import ConfigError, PipelineError, TransientError

__all__ = ["ConfigError", "PipelineError", "TransientError"]
