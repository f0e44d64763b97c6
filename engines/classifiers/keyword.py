"""Keyword intent classifier: the walking skeleton's honest baseline, no training needed.

Scores each label by the weights of its cue phrases found in the text (Aho-Corasick, one pass).
``confidence`` is the winning label's share of matched weight, damped for single weak cues; it
is a heuristic, not a calibrated probability (the trained backends of the understanding issue are).
"""
from __future__ import annotations

import ahocorasick

from engines.classifiers import IntentResult

CUES: dict[str, dict[str, float]] = {
    "loan_inquiry": {"贷款": 1.0, "贷": 0.6, "借钱": 1.0, "借款": 1.0, "房贷": 1.0, "车贷": 1.0,
                     "经营贷": 1.2, "消费贷": 1.2, "额度": 0.4, "审批": 0.6, "放款": 1.0, "利率": 0.5},
    "repayment_calc": {"每月还": 1.6, "月供": 1.6, "还多少": 1.4, "等额本息": 1.6, "等额本金": 1.6,
                       "提前还款": 1.4, "利息多少": 1.2, "总利息": 1.4, "还款计算": 1.6},
    "wealth_inquiry": {"理财": 1.0, "基金": 1.0, "定期": 0.8, "存款": 0.8, "国债": 1.0, "黄金": 1.0,
                       "赎回": 1.0, "大额存单": 1.2, "净值": 1.0, "保本": 1.0, "收益率": 0.8},
    "wealth_calc": {"收益多少": 1.6, "能赚多少": 1.6, "利息是多少": 1.2, "复利": 1.4, "到期能拿": 1.6,
                    "定投": 1.0},
    "risk_assessment": {"风险测评": 2.0, "风险评估": 2.0, "风险等级": 1.4, "测评": 1.2, "风险承受": 1.6},
    "account_query": {"余额": 1.4, "流水": 1.4, "账户": 0.8, "明细": 1.0, "登录": 1.0, "对账单": 1.4,
                      "交易记录": 1.4},
    "credit_card": {"信用卡": 1.4, "账单": 1.0, "年费": 1.4, "分期": 0.8, "提额": 1.4, "激活": 1.0,
                    "取现": 1.0, "还款日": 1.0},
    "card_security": {"挂失": 2.0, "冻结": 1.6, "被盗": 1.8, "盗刷": 2.0, "诈骗": 1.8, "验证码": 1.2,
                      "卡丢了": 2.0, "骗子": 1.4, "陌生来电": 1.4},
    "transfer": {"转账": 1.6, "汇款": 1.6, "转错": 1.8, "跨行": 1.0, "限额": 0.8, "境外汇款": 1.8},
    "insurance": {"保险": 1.6, "理赔": 1.8, "退保": 1.8, "保单": 1.6, "保费": 1.4},
    "complaint": {"投诉": 2.0, "不满": 1.2, "太差": 1.4, "垃圾": 1.2, "赔偿": 1.2, "曝光": 1.4,
                  "12378": 2.0, "受不了": 1.0, "气死": 1.0},
    "human_agent": {"转人工": 3.0, "人工客服": 3.0, "人工服务": 3.0, "找经理": 2.0, "真人": 2.0,
                    "回电": 1.4},
    "other": {"你好": 0.8, "您好": 0.8, "谢谢": 1.0, "再见": 1.0, "在吗": 0.8, "天气": 1.0},
}


class KeywordIntentClassifier:
    name = "keyword"

    def __init__(self, cues: dict[str, dict[str, float]] = CUES) -> None:
        self._automaton = ahocorasick.Automaton()
        for label, phrases in cues.items():
            for phrase, weight in phrases.items():
                entries = self._automaton.get(phrase, []) if phrase in self._automaton else []
                self._automaton.add_word(phrase, [*entries, (label, weight)])
        self._automaton.make_automaton()

    def classify(self, text: str) -> IntentResult:
        scores: dict[str, float] = {}
        for _end, entries in self._automaton.iter(text):
            for label, weight in entries:
                scores[label] = scores.get(label, 0.0) + weight
        if not scores:
            return IntentResult("other", 0.0, self.name)
        label = max(scores, key=lambda k: scores[k])
        total = sum(scores.values())
        confidence = scores[label] / (total + 0.5)
        return IntentResult(label, round(confidence, 4), self.name)

    def classify_batch(self, texts: list[str]) -> list[IntentResult]:
        return [self.classify(t) for t in texts]
