"""The pipeline benchmark's smoke run on the shared stack, so it cannot rot: a few turns at one rate are
all answered and timed, every process's CPU is read, and the in-process floor runs the same turns."""


def test_pipeline_benchmark_smoke(stack):
    from benchmarks.pipeline import run_pipeline

    lines: list[str] = []
    summary = run_pipeline(stack, rates=[5.0], turns=8, burst=0, scale=False, floor=True, drain_s=60.0,
                           echo=lines.append)
    loaded, floor = summary["runs"][0], summary["runs"][-1]
    assert loaded["name"] == "5 turns/s" and loaded["answered"] == loaded["sent"] == 8 and "sustained" in loaded
    assert 0 < loaded["p50_ms"] <= loaded["p99_ms"] <= loaded["max_ms"] and loaded["per_s"] > 0
    assert floor["name"].startswith("floor") and floor["answered"] == floor["sent"] and floor["cpu_ms_per_turn"] > 0
    assert summary["transport_and_framework_ratio"] > 0
    table = "\n".join(lines)
    assert "CPU ms per answered turn, by process" in table and "kafka" in table and "intent-0" in table
