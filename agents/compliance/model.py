"""The learned layer of the compliance gate: a sentence classifier trained on the project's own
labelled training set (``data/compliance/train.tsv``; never on the evaluation sets).

It reuses the linear text classifier of the intent stage with the compliance normaliser, so the
same obfuscation removal applies before features are taken.
"""
from __future__ import annotations

import re
from collections import OrderedDict
from pathlib import Path

from agents.compliance.lexicon import default_lexicon
from domain.text import matching_form, normalise
from engines.classifiers import read_tsv
from engines.classifiers.linear import LinearIntentClassifier


class SentenceViolationModel:
    # Replies repeat (grounded templates, disclosures): a text's probability is a pure function of the
    # text, so it is kept by content and a changed sentence is always scored afresh.
    CACHE_SIZE = 4096

    def __init__(self, classifier: LinearIntentClassifier) -> None:
        self.classifier = classifier
        self._known: OrderedDict[str, float] = OrderedDict()

    def violation_probabilities(self, sentences: list[str]) -> list[float]:
        fresh = [s for s in dict.fromkeys(sentences) if s not in self._known]
        for sentence, result in zip(fresh, self.classifier.classify_batch(fresh), strict=True):
            self._known[sentence] = result.probabilities.get("violation", 0.0)
        found = [self._known[s] for s in sentences]
        for sentence in sentences:
            self._known.move_to_end(sentence)
        while len(self._known) > self.CACHE_SIZE:
            self._known.popitem(last=False)
        return found

    @classmethod
    def load(cls, path: Path) -> SentenceViolationModel:
        return cls(LinearIntentClassifier.load(path, compliance_form))


def read_labelled(path: Path) -> list[tuple[str, str]]:
    """``violation|clean<TAB>reply[<TAB>category]`` rows (the QUALITY.md compliance format); the
    category column, where there is one, is dropped."""
    return [(label, text.split("\t", 1)[0]) for label, text in read_tsv(path, ("violation", "clean"))]


# Speech acts that turn a risky topic into advice: telling the customer not to do it, calling it a
# scam, saying it cannot be done, or asking only for a masked part ("验证码谁要都别给", "逾期记录没法花钱删").
SPEECH_ACTS = {
    "zzwarn": re.compile(r"(别|不要|切勿|请勿|勿|谨防|警惕|千万别|一律不|都别|不得|拒绝)(?!犹豫|错过|再等|观望|担心)[^,，。；]{0,4}"
                         r"(给|告诉|透露|泄露|转|汇|点|下载|安装|相信|信|当|买|借|开启|共享|扫)"),
    "zzverdict": re.compile(r"(是|都是|均为|均是|属于|就是|多为|大多是)[^,，。；]{0,4}(诈骗|骗局|骗子|陷阱|违法|违规|套路)"),
    # asking only for a masked part of an identifier ("卡号后四位"), which identification may do, or showing
    # one masked ("6217 **** **** 3382")
    "zzpartial": re.compile(r"(后|末|尾)\s*(四|4|六|6)\s*位|尾号|\*{3,}"),
    "zzcannot": re.compile(r"(没法|无法|不能|不可能|不会|没有办法|没办法|办不到)[^,，。；]{0,3}(删|消除|洗白|修复|抹掉|更改|撤销|保证|承诺)"),
}


def compliance_form(text: str) -> str:
    """De-obfuscated text plus one marker word per lexicon hit, negated or not, and one per advising
    speech act, so the model learns when a banned phrase is a claim and when it is a warning."""
    markers = [("zzneg" if h.negated else "zzhit") + h.entry.category.replace("_", "")
               for h in default_lexicon().scan(text, include_negated=True)]
    simplified = normalise(text)
    markers += [name for name, pattern in SPEECH_ACTS.items() if pattern.search(simplified)]
    return matching_form(text)[0] + (" " + " ".join(markers) if markers else "")


def train(*paths: Path) -> LinearIntentClassifier:
    rows = [row for path in paths for row in read_labelled(path)]
    return LinearIntentClassifier.train(rows, "hybrid", normaliser="compliance", form=compliance_form)
