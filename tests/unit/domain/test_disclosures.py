from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import rewrite
from domain.disclosures import RISK_DISCLOSURE, has_risk_disclosure, with_risk_disclosure


def test_the_disclosure_is_added_once_however_it_was_punctuated():
    faq = "净值下跌本身不属于银行过错。理财非存款、产品有风险、投资须谨慎。"
    assert has_risk_disclosure(faq) and with_risk_disclosure(faq) == faq
    assert with_risk_disclosure("这款理财为R2级。") == "这款理财为R2级。" + RISK_DISCLOSURE
    assert not has_risk_disclosure("理财非存款。")


def test_a_rewritten_answer_that_already_discloses_does_not_say_it_again():
    text = "理财的风险由投资者承担。我们保证本金一分不少。理财非存款、产品有风险、投资须谨慎。"
    hits = default_lexicon().scan(text)
    assert hits
    out = rewrite(text, hits)
    assert "一分不少" not in out and out.count("投资须谨慎") == 1
    bare = rewrite("这款产品保本保息。收益稳定。", default_lexicon().scan("这款产品保本保息。收益稳定。"))
    assert bare.endswith(RISK_DISCLOSURE) and bare.count("投资须谨慎") == 1
