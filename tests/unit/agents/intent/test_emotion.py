import pytest

from agents.intent.emotion import detect_emotion


@pytest.mark.parametrize("text,complaint_p,emotion", [
    ("你们乱扣我年费，服务太差了，气死我了，我要投诉！", 0.9, "angry"),
    ("什么破银行！！！", 0.2, "angry"),
    ("转账一直没到账，怎么回事", 0.3, "negative"),
    ("你们可真行啊，又扣我钱", 0.6, "negative"),
    ("我的卡丢了怎么挂失", 0.0, "neutral"),
    ("转账失败了帮我看看", 0.1, "neutral"),
    ("谢谢你，问题解决了", 0.0, "positive"),
])
def test_detect_emotion(text, complaint_p, emotion):
    assert detect_emotion(text, complaint_p) == emotion


def test_emotion_detector_on_the_labelled_set():
    """Regression floor on data/emotion (written independently; the detector was not tuned on it)."""
    from engines.classifiers import load_classifier
    from streams.train import train_backend

    clf = load_classifier("hybrid", train_backend("hybrid"))
    from streams.settings import REPO_DIR

    rows = [line.split("\t", 1) for line in (REPO_DIR / "data" / "emotion" / "labelled.tsv").read_text("utf-8").splitlines()]
    probs = [r.probabilities.get("complaint", 0.0) for r in clf.classify_batch([t for _, t in rows])]
    pred = [detect_emotion(t, p) in ("negative", "angry") for (_, t), p in zip(rows, probs, strict=True)]
    gold = [label == "negative" for label, _ in rows]
    tp = sum(g and p for g, p in zip(gold, pred, strict=True))
    assert tp / sum(pred) >= 0.7 and tp / sum(gold) >= 0.7


@pytest.mark.parametrize("text", ["我想反映个情况", "有个问题想反馈一下", "你好，我想反映一下情况", "我有个事情想跟你们说一下"])
def test_announcing_a_matter_shows_no_emotion_yet(text):
    assert detect_emotion(text, 0.8) == "neutral"


def test_the_grievance_itself_still_shows():
    assert detect_emotion("我想反映个情况，你们太差了", 0.8) == "negative"
