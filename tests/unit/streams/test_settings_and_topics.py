from contracts.topics import AUDIT, STAGES, TABLES
from streams.settings import Settings
from streams.topics import DAY_MS, catalog


def test_settings_read_nested_environment(monkeypatch):
    monkeypatch.setenv("CS_KAFKA__BOOTSTRAP", "10.0.0.1:9093")
    monkeypatch.setenv("CS_KAFKA__PARTITIONS", "8")
    monkeypatch.setenv("SCHEMA_REGISTRY_URL", "mock://x")
    monkeypatch.setenv("CS_NEO4J__PASSWORD", "s3cret")
    s = Settings()
    assert s.kafka.bootstrap == "10.0.0.1:9093" and s.kafka.partitions == 8
    assert s.schema_registry_url == "mock://x"
    assert "s3cret" not in str(s.redacted())
    assert Settings(**{}).gateway.port == 8080


def test_child_env_reproduces_settings(monkeypatch):
    s = Settings(kafka={"bootstrap": "127.0.0.1:1234", "partitions": 3}, gateway={"port": 9999})
    for key, value in s.child_env().items():
        monkeypatch.setenv(key, value)
    again = Settings()
    assert again.kafka.bootstrap == "127.0.0.1:1234" and again.kafka.partitions == 3
    assert again.gateway.port == 9999


def test_catalog_has_every_stage_topic_and_changelog():
    s = Settings()
    names = {t.name: t for t in catalog(s)}
    assert names[AUDIT].config()["retention.ms"] == str(180 * DAY_MS)
    for stage, tables in TABLES.items():
        assert stage in STAGES
        for table in tables:
            spec = names[f"cs-{stage}-{table}-changelog"]
            assert spec.config() == {"cleanup.policy": "compact"}
    assert len(names) == len(catalog(s))
