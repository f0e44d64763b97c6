"""The project's root exception; each package derives its own from it."""


class PipelineError(Exception):
    """Root of every error this project raises on purpose."""


class ConfigError(PipelineError):
    """Settings or deployment are inconsistent (wrong partitions, missing topic, bad value)."""


class TransientError(PipelineError):
    """A backend is unreachable for now (a restart, a network blip): retry the record, never drop it."""
