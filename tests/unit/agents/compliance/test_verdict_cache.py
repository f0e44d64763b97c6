"""The learned layer keeps a text's probability by content: a repeated text is not scored again, a
changed one always is, and the store stays bounded."""
from agents.compliance.model import SentenceViolationModel
from engines.classifiers import IntentResult


class CountingClassifier:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def classify_batch(self, texts):
        self.seen += texts
        return [IntentResult("violation", 0.9, "fake", {"violation": 0.9 if "保本" in t else 0.1,
                                                        "clean": 0.1 if "保本" in t else 0.9}) for t in texts]


def test_repeated_text_is_served_from_memory_and_changed_text_is_scored():
    classifier = CountingClassifier()
    model = SentenceViolationModel(classifier)
    assert model.violation_probabilities(["本产品不保本。", "欢迎咨询。", "欢迎咨询。"]) == [0.9, 0.1, 0.1]
    assert classifier.seen == ["本产品不保本。", "欢迎咨询。"]
    assert model.violation_probabilities(["欢迎咨询。", "欢迎咨询！"]) == [0.1, 0.1]
    assert classifier.seen[-1] == "欢迎咨询！" and len(classifier.seen) == 3


def test_store_is_bounded_and_forgets_the_least_recent():
    classifier = CountingClassifier()
    model = SentenceViolationModel(classifier)
    model.CACHE_SIZE = 2
    model.violation_probabilities(["a"])
    model.violation_probabilities(["b"])
    model.violation_probabilities(["a"])
    model.violation_probabilities(["c"])
    model.violation_probabilities(["a", "b"])
    assert classifier.seen == ["a", "b", "c", "b"]
