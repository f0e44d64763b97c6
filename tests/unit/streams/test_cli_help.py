import os
import subprocess
import sys

import pytest

from streams.settings import REPO_DIR


@pytest.mark.parametrize("module,words", [
    ("streams.worker", "STAGE"), ("streams.stack", "up"), ("streams.chat", "--demo"),
    ("streams.gateway", "--port"), ("streams.crm_sink", "--db"), ("schemas.lock", "check"),
    ("infra", "fetch"), ("benchmarks.transport", "--burst"), ("benchmarks.peers", "raw | faust"),
    ("benchmarks.quality", "compliance"), ("benchmarks.intent", "--backends"), ("benchmarks.retrieval", "--scale"),
    ("benchmarks.emotion", "--strength"), ("streams.metrics", "serve"),
    ("streams.train", "compliance"), ("engines.llm.tiny", "build"), ("engines.llm.serve", "--model"),
    ("benchmarks.generation", "--new-tokens"), ("streams.catalogue", "--force"), ("engines.graph.scale", "--uri"),
])
def test_every_command_has_help(module, words):
    done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=REPO_DIR, capture_output=True, env={**os.environ, "COLUMNS": "200"},
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert words in done.stdout


def test_worker_refuses_an_unknown_stage():
    done = subprocess.run([sys.executable, "-m", "streams.worker", "billing"], cwd=REPO_DIR,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "unknown stage" in done.stderr
