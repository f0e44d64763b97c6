"""The transport benchmark's smoke run on the shared stack's broker, so it cannot rot: each peer forwards
every message of a tiny burst and a tiny paced run, on topics it creates and waits leaders for."""


def test_transport_benchmark_smoke(stack):
    from benchmarks.transport import run_transport

    lines: list[str] = []
    results = run_transport(stack.settings.kafka.bootstrap, burst=40, paced=10, rate=50.0, size=256, partitions=1,
                            peers=["raw", "stage"], echo=lines.append)
    assert [r.peer for r in results] == ["raw", "stage"]
    for r in results:
        assert r.delivered == r.expected == 10 and r.burst_rate > 0 and 0 < r.p50_ms <= r.p99_ms
    table = "\n".join(lines)
    assert "One consume->produce hop" in table and "vs raw" in table
