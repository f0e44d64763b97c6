"""Every error the project raises on purpose derives from one root, so an edge can catch them all."""
from benchmarks.conversations import ScenarioError
from contracts.errors import ConfigError, PipelineError, TransientError
from engines.classifiers import ClassifierError
from engines.llm import LLMError
from schemas import SchemaError
from schemas.codec import DecodeError, EncodeError


def test_one_root():
    for error in (ConfigError, TransientError, ClassifierError, LLMError, SchemaError, DecodeError, EncodeError,
                  ScenarioError):
        assert issubclass(error, PipelineError), error
