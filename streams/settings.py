"""One settings tree, read from the environment once and injected everywhere below.

Every value has an environment variable: ``CS_<SECTION>__<FIELD>`` (e.g.
``CS_KAFKA__BOOTSTRAP=127.0.0.1:9092``); ``SCHEMA_REGISTRY_URL`` switches schema ids from the
committed lock to a Schema Registry.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_DIR = Path(__file__).resolve().parent.parent


class KafkaSettings(BaseModel):
    bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, host:port[,host:port]")
    partitions: int = Field(4, ge=1, description="Partitions of every session-keyed topic (= max parallelism)")
    replication: int = Field(1, ge=1, description="Replication factor for created topics")
    session_timeout_s: float = Field(6.0, description="Consumer group session timeout; small = fast rejoin")
    heartbeat_interval_s: float = Field(1.0, description="Consumer group heartbeat")
    max_payload_bytes: int = Field(256 * 1024, description="Larger records go to the dead-letter topic")


class Neo4jSettings(BaseModel):
    uri: str = Field("bolt://127.0.0.1:7687", description="Bolt URI of the knowledge graph")
    user: str = "neo4j"
    password: SecretStr = SecretStr("")
    heap: str = Field("512m", description="JVM heap of the embedded Neo4j launched by infra/")


class GatewaySettings(BaseModel):
    host: str = "127.0.0.1"
    port: int = 8080
    reply_timeout_s: float = Field(20.0, description="How long POST /turns waits for the approved reply")


class IntentSettings(BaseModel):
    backend: str = Field("hybrid", description="hybrid | ngram | transformer | keyword")
    model_dir: Path | None = Field(None, description="Trained model; default <run_dir>/models/intent-<backend>")
    clarify_below: float = Field(0.6, ge=0, le=1, description="Below this intent probability the turn is marked unclear (0.6: below it the hybrid model is right about half the time on held-out sets, above it 98%)")


class ComplianceSettings(BaseModel):
    learned_layer: bool = Field(True, description="Add the trained sentence classifier to the lexicon")
    model_dir: Path | None = Field(None, description="Trained model; default <run_dir>/models/compliance-hybrid")
    threshold: float = Field(0.5, ge=0, le=1, description="Violation probability at which a sentence is removed")


class LlmSettings(BaseModel):
    backend: Literal["none", "transformers", "tensorrt_llm", "openai"] = Field(
        "none", description="none = the grounded composer answers alone (the embedded default)")
    model: str | None = Field(None, description="Local model directory (transformers, tensorrt_llm) or served model name")
    base_url: str | None = Field(None, description="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
    api: Literal["completions", "chat"] = "completions"
    api_key: SecretStr = SecretStr("")
    device: str = Field("auto", description="transformers: auto | cpu | cuda")
    prompt_style: Literal["instruct", "plain"] = Field(
        "instruct", description="instruct: facts, tool results and the grounded answer; plain: the question only")
    max_new_tokens: int = Field(160, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0, le=2)
    first_chunk_s: float = Field(2.0, gt=0, description="No first chunk by then: the grounded composer answers")
    total_s: float = Field(20.0, gt=0, description="Not finished by then: the grounded composer answers")


class TelemetrySettings(BaseModel):
    span_log: Path | None = Field(None, description="Append finished spans as JSON lines to this file")
    record_content: bool = Field(False, description="Put customer text on spans; off for banks by default")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CS_", env_nested_delimiter="__", extra="ignore")

    app_prefix: str = Field("cs", description="Prefix of Faust app ids, hence consumer groups and changelogs")
    run_dir: Path = Field(REPO_DIR / ".run", description="Pid files, logs, table stores, service data")
    log_level: str = "warning"
    kafka: KafkaSettings = KafkaSettings()
    neo4j: Neo4jSettings = Neo4jSettings()
    gateway: GatewaySettings = GatewaySettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    intent: IntentSettings = IntentSettings()
    compliance: ComplianceSettings = ComplianceSettings()
    llm: LlmSettings = LlmSettings()
    schema_registry_url: str | None = Field(
        None, validation_alias=AliasChoices("SCHEMA_REGISTRY_URL", "CS_SCHEMA_REGISTRY_URL"),
        description="Confluent-compatible Schema Registry; unset = ids from schemas/schemas.lock.json",
    )

    def redacted(self) -> dict[str, Any]:
        """Settings as a dict with secrets masked, for logs and `--help` output."""
        return self.model_dump(mode="json")

    def neo4j_auth(self) -> tuple[str, str] | None:
        password = self.neo4j.password.get_secret_value()
        return (self.neo4j.user, password) if password else None

    def intent_model_dir(self) -> Path:
        return self.intent.model_dir or self.run_dir / "models" / f"intent-{self.intent.backend}"

    def compliance_model_dir(self) -> Path:
        return self.compliance.model_dir or self.run_dir / "models" / "compliance-hybrid"

    def child_env(self) -> dict[str, str]:
        """Environment that reproduces these settings in a child process, generated from the model:
        ``CS_<FIELD>`` and ``CS_<SECTION>__<FIELD>`` for every value that is set (secrets included,
        since the child needs them; they never reach a log)."""
        env: dict[str, str] = {}
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            if isinstance(value, BaseModel):
                for sub in type(value).model_fields:
                    _put(env, f"CS_{name.upper()}__{sub.upper()}", getattr(value, sub))
            else:
                alias = field.validation_alias.choices[0] if isinstance(field.validation_alias, AliasChoices) else None
                _put(env, alias or f"CS_{name.upper()}", value)
        return env


def _put(env: dict[str, str], key: str, value: Any) -> None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value() or None
    if value is None:
        return
    env[key] = str(value).lower() if isinstance(value, bool) else str(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once at the edge (CLI, worker, gateway)."""
    return Settings()
