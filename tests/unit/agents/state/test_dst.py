import json

import pytest

from benchmarks.quality import _expected, _typed, track
from engines.classifiers.keyword import KeywordIntentClassifier
from streams.settings import REPO_DIR

# The tracker's slots do not depend on the intent backend; the keyword one needs no trained model.
CLF = KeywordIntentClassifier()


def joint_accuracy(path):
    dialogues = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    hits = sum(_typed(track(d["turns"], CLF, 0.85)) == _expected(d["state"]) for d in dialogues)
    return hits / len(dialogues), len(dialogues)


@pytest.mark.parametrize("turns,state", [
    (["我想贷款", "装修用", "30万吧", "分三年"], {"loan_purpose": "装修", "amount": 300000, "term_months": 36}),
    (["贷20万", "贷一半"], {"amount": 100000}),
    (["贷三十万", "不对，四十万就够了", "年化四点八"], {"amount": 400000, "annual_rate": 4.8}),
    (["我想贷款买车", "信用卡账单多少", "15万", "分五年"], {"loan_purpose": "购车", "amount": 150000, "term_months": 60}),
    (["你好", "谢谢"], {}),
])
def test_dialogues(turns, state):
    assert _typed(track(turns, CLF, 0.85)) == state


def test_joint_accuracy_on_the_projects_dialogues():
    acc, n = joint_accuracy(REPO_DIR / "data" / "dst" / "dialogues.jsonl")
    assert n >= 150 and acc >= 0.95


def test_joint_accuracy_on_the_independent_holdout():
    acc, n = joint_accuracy(REPO_DIR / "data" / "dst" / "holdout_independent.jsonl")
    assert n >= 100 and acc >= 0.90
