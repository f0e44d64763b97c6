"""The lean scorers give scikit-learn's own probabilities and tf-idf vectors, for two and for many classes."""
import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from engines.classifiers.calibrated import LeanTfidf, StackedSigmoidCalibrated

TEXTS = ["信用卡额度怎么提", "我的卡丢了快挂失", "房贷月供多少", "理财产品保本吗", "转账限额是多少",
         "我要投诉", "转人工", "你好", "余额查询", "基金怎么赎回", "车贷利率", "保险退保"] * 5


@pytest.fixture(scope="module")
def vectoriser():
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True).fit(TEXTS)


def test_lean_tfidf_equals_sklearn_including_unseen_text(vectoriser):
    texts = TEXTS[:12] + ["完全没见过的话", "", "额度额度额度"]
    expected = vectoriser.transform(texts).toarray()
    assert np.allclose(LeanTfidf(vectoriser).transform(texts).toarray(), expected, atol=1e-12)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_stacked_probabilities_equal_sklearn(vectoriser, n_classes):
    labels = [f"c{i % n_classes}" for i in range(len(TEXTS))]
    features = vectoriser.transform(TEXTS)
    fitted = CalibratedClassifierCV(LogisticRegression(C=10.0, max_iter=2000), method="sigmoid", cv=3).fit(features, labels)
    assert StackedSigmoidCalibrated.supports(fitted)
    lean = StackedSigmoidCalibrated(fitted)
    probe = vectoriser.transform(["额度怎么提", "保本吗", "你好啊"])
    assert list(lean.classes_) == list(fitted.classes_)
    assert np.allclose(lean.predict_proba(probe), fitted.predict_proba(probe), atol=1e-12)


def test_other_vectorisers_and_calibrations_are_left_to_sklearn():
    assert not LeanTfidf.supports(TfidfVectorizer(norm="l1").fit(TEXTS))
    assert not StackedSigmoidCalibrated.supports(CalibratedClassifierCV(method="isotonic"))
