"""Linear intent classifiers on CPU, trained from the project's corpus in seconds.

``ngram``: character 1–3-grams and jieba word 1–2-grams (TF-IDF) into a logistic regression.
``hybrid``: the same plus a USE-multilingual sentence embedding, which carries paraphrases the
n-grams never saw. Probabilities are calibrated by 5-fold sigmoid calibration on the training
split only.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from domain.numerals import canonical_form
from domain.text import normalise
from engines.classifiers import ClassifierError, IntentResult
from engines.classifiers.calibrated import LeanTfidf, StackedSigmoidCalibrated

FORMAT = 1


def _words(text: str) -> list[str]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba.lcut(text)


TextForm = Callable[[str], str]
# The form text takes before features. A model records its form's name; one trained on another form
# (the compliance layer's) must be given that form when it is loaded, by whoever owns it.
FORMS: dict[str, TextForm] = {"text": normalise, "canonical": canonical_form}
# Forms the sentence embedder reads too (others: it reads the raw text).
EMBEDDED_FORMS = frozenset({"canonical"})


class LinearIntentClassifier:
    """Linear text classifier; intent labels by default, any label set works (compliance uses it)."""

    def __init__(self, kind: str, vectorizers: list[Any], model: Any, embedder: Any = None,
                 normaliser: str = "text", form: TextForm | None = None) -> None:
        self.name = kind
        self.kind = kind
        self.vectorizers = vectorizers
        self._transforms = [(LeanTfidf(v) if LeanTfidf.supports(v) else v).transform for v in vectorizers]
        self.model = model
        self._scorer = StackedSigmoidCalibrated(model) if StackedSigmoidCalibrated.supports(model) else model
        self.embedder = embedder
        self.normaliser = normaliser
        self.form = form or FORMS[normaliser]

    # -- features ----------------------------------------------------------------------------
    def _features(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import csr_matrix, hstack

        normal = [self.form(t) for t in texts]
        parts = [transform(normal) for transform in self._transforms]
        if self.embedder is not None:
            parts.append(csr_matrix(self.embedder.encode(normal if self.normaliser in EMBEDDED_FORMS else list(texts))))
        return hstack(parts).tocsr()

    # -- training ----------------------------------------------------------------------------
    @classmethod
    def train(cls, rows: Sequence[tuple[str, str]], kind: str = "hybrid", c: float = 10.0,
              normaliser: str = "text", form: TextForm | None = None) -> LinearIntentClassifier:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        if kind not in ("hybrid", "ngram"):
            raise ClassifierError(f"linear kind must be hybrid or ngram, not {kind!r}")
        labels = [label for label, _ in rows]
        form = form or FORMS[normaliser]
        normal = [form(text) for _, text in rows]
        chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True, min_df=1)
        words = TfidfVectorizer(tokenizer=_words, token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                sublinear_tf=True)
        chars.fit(normal)
        words.fit(normal)
        embedder = None
        if kind == "hybrid":
            from engines.embeddings import load_embedder

            embedder = load_embedder()
        clf = cls(kind, [chars, words], None, embedder, normaliser, form)
        features = clf._features([text for _, text in rows])
        base = LogisticRegression(C=c, max_iter=5000)
        model = CalibratedClassifierCV(base, method="sigmoid", cv=5).fit(features, labels)
        return cls(kind, clf.vectorizers, model, embedder, normaliser, form)

    # -- inference ---------------------------------------------------------------------------
    def classify_batch(self, texts: list[str]) -> list[IntentResult]:
        if not texts:
            return []
        probs = self._scorer.predict_proba(self._features(texts))
        classes = [str(c) for c in self._scorer.classes_]
        out = []
        for row in probs:
            best = int(np.argmax(row))
            out.append(IntentResult(classes[best], round(float(row[best]), 4), self.name,
                                    {c: round(float(p), 4) for c, p in zip(classes, row, strict=True)}))
        return out

    def classify(self, text: str) -> IntentResult:
        return self.classify_batch([text])[0]

    # -- persistence -------------------------------------------------------------------------
    def save(self, out: Path, corpus_digest: str) -> None:
        import joblib

        out.mkdir(parents=True, exist_ok=True)
        joblib.dump({"vectorizers": self.vectorizers, "model": self.model}, out / "model.joblib")
        (out / "meta.json").write_text(json.dumps({
            "format": FORMAT, "kind": self.kind, "corpus": corpus_digest,
            "embedder": self.embedder.name if self.embedder else None, "normaliser": self.normaliser,
        }, indent=1))

    @classmethod
    def load(cls, path: Path, form: TextForm | None = None) -> LinearIntentClassifier:
        import joblib

        meta_path = path / "meta.json"
        if not meta_path.exists():
            raise ClassifierError(f"no trained intent model in {path}; run `make models`")
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT:
            raise ClassifierError(f"{path} holds format {meta.get('format')}, want {FORMAT}; retrain")
        blob = joblib.load(path / "model.joblib")
        embedder = None
        if meta["embedder"]:
            from engines.embeddings import load_embedder

            embedder = load_embedder(meta["embedder"])
        normaliser = meta.get("normaliser", "text")
        if form is None and normaliser not in FORMS:
            raise ClassifierError(f"{path} was trained on the {normaliser!r} text form; load it with that form")
        return cls(meta["kind"], blob["vectorizers"], blob["model"], embedder, normaliser, form)
