from pathlib import Path

import pytest

from agents.compliance.lexicon import default_lexicon
from agents.compliance.logic import review, rewrite
from agents.compliance.pii import find_pii, luhn_ok, mask_pii, valid_id_number
from domain.disclosures import RISK_DISCLOSURE
from domain.text import matching_form as normalise
from tests.samples import SAMPLES

LEXICON = default_lexicon()


def flagged(text):
    return bool(LEXICON.scan(text))


def test_lexicon_is_large_and_categorised():
    categories = {e.category for e in LEXICON.entries}
    assert len([e for e in LEXICON.entries if e.severity != "allow"]) >= 2000
    assert {"promised_returns", "zero_risk", "absolute_superlative", "guaranteed_approval", "credit_repair",
            "inducement", "deposit_confusion", "credential_request", "private_account", "abusive_collection",
            "insider_tip"} <= categories
    assert all(e.rule for e in LEXICON.entries)


@pytest.mark.parametrize("text", [
    "这款产品保本保息，放心买", "保 . 本 保 息", "穩賺不賠的好產品", "ｂｂｂｘ，年化５％", "零\u200b风险",
    "本金一分都不会少", "到期肯定拿到5%", "您放心，这个不可能亏", "我们承诺年化收益4%", "包过，不看征信",
    "请把验证码告诉我", "麻烦提供一下您的取款密码", "把钱转到安全账户", "这款理财就是存款", "内部消息，这只基金下周必涨",
    "收益全网最高", "黑户也能贷", "不还钱就通知你单位", "稳转不赔",
])
def test_violations_are_found_through_obfuscation(text):
    assert flagged(text), text


@pytest.mark.parametrize("text", [
    "该产品不保本，投资需谨慎", "不存在稳赚不赔的投资", "我们无法承诺收益", "理财非存款，产品有风险，投资须谨慎",
    "银行工作人员不会向您索要验证码", "贷款需要审核征信，无法保证一定通过", "请勿将资金转入所谓安全账户",
    "信用卡最低还款额为账单的10%", "贷款最高可贷50万", "过往业绩不代表未来表现", "我们会向您发送验证码，请勿告诉他人",
    "该产品业绩比较基准为年化2.8%-3.5%，不代表实际收益", "保本保息的说法是不存在的", "您的尾号1234的卡已冻结",
])
def test_negations_disclaimers_and_banking_terms_are_clean(text):
    assert not flagged(text), (text, LEXICON.scan(text))


@pytest.mark.parametrize("claim,look_alike", [
    ("交399元会员费就能免息借款", "分期手续费每期0.6%，折合年化利率约13.03%"),
    ("底层资产很好，不会出现损失", "任何投资都不能保证不会出现损失"),
    ("这款产品只会涨不会跌", "净值会随市场波动，可能下跌"),
    ("您的照片我们会发到您家族群里", "我们不会向您的亲友或单位透露欠款情况"),
    ("我们会一直打到您家里人接为止", "如有困难可申请延期或分期还款"),
    ("政府不会让它违约的", "备案不代表监管部门对产品的推荐或担保"),
    ("监管部门已经对这款产品的安全性做过认证", "监管部门不对产品的安全性做任何认证或担保"),
    ("为了解冻账户，请把手机银行的动态口令读一下", "动态口令仅限您本人在App内输入，请勿读给任何人"),
    ("为了核实是本人，请在聊天框里输入一次您的取款密码", "请勿在聊天框中发送密码或验证码"),
    ("实际上跟放活期没区别", "理财和活期存款不一样，不受存款保险保障"),
    ("您要是继续拖，我们只好请您的紧急联系人出面", "如需家人代为办理，请携带双方身份证到网点"),
    ("否则我们只能联系您的紧急联系人和同事，把您的欠款情况跟他们讲清楚", "催收人员不得向您的同事、邻居透露欠款信息"),
    ("无需任何审核，注册即享3万元备用金", "贷款需经审核，额度以审批结果为准"),
    ("还清后我们就当从来没逾期过，报告上不会显示", "还清后逾期记录仍会在征信报告上保留五年"),
    ("请在会议软件里点“共享”，让我们看到每一步操作", "凡是要求您在会议软件里共享屏幕的，都是诈骗"),
    ("个人征信可以一键重置", "任何机构都无权为客户“洗白”征信"),
    ("能帮您删除逾期记录吗？没有问题，交两千就行", "还清了逾期能马上消除记录吗？答：不能，记录保留五年"),
    ("这个贷款包过吗？不可能被拒", "只要按时还款，征信报告上不会显示逾期"),
    ("您要是继续拖，我们只好请您的父母出面", "如您行动不便，可请家人出面代办"),
    # a loan's true cost: a fee declared no cost, the annualised rate looked away from or withheld, 砍头息
    ("咨询费不属于借款成本，您只看利息就行", "手续费不是利息，但同样计入年化利率"),
    ("年化利率您不用纠结，每月还得起就行", "年化利率请您重点关注，它是比较借款成本的标准"),
    ("无需关注年化利率，每期只还几百元", "请关注年化利率，不要只看每期还款额"),
    ("放款时先扣除两期利息，到账会少一些", "本行放款时不扣除任何利息或费用"),
    ("先行扣收首年顾问费后发放贷款", "如有机构要求先扣费后放款，属于砍头息，请拒绝"),
    ("零利率分期只需每期缴纳服务费", "零利率分期不收服务费"),
])
def test_claim_rules_catch_the_claim_and_pass_its_denial(claim, look_alike):
    assert flagged(claim), claim
    assert not flagged(look_alike), (look_alike, LEXICON.scan(look_alike))


@pytest.mark.parametrize("text", [
    # a loan-cost excuse never excuses another category's claim, nor does a question excuse anything
    "这款理财保本保息，这属于违规吗？不属于，放心买", "这款产品稳赚不赔，是否违规您不用担心", "这款理财保本保息，也是成本最低的理财方式",
    "这款理财保本保息，已纳入综合理财计划", "黑户也能贷不收砍头息", "稳赚不赔还没有砍头息", "包过，属于违规操作我们也能办",
    "放款时先扣除两期利息，这属于违规吗？不属于",
])
def test_excuses_for_loan_costs_stay_with_loan_costs(text):
    assert flagged(text), text


@pytest.mark.parametrize("text", [
    "汇款到账前中间行可能扣除手续费", "放款时如被扣除利息，请立即向我行投诉", "取现手续费扣除后到账金额会相应减少",
    "该理财过往年化收益不提供保证", "您不用换算年化利率，App借款页面已直接展示", "分期手续费和账单利息是两回事",
    "如果您发现放款时被扣除了首期利息，这属于违规行为",
])
def test_honest_fee_and_rate_wording_is_no_loan_cost_claim(text):
    assert not flagged(text), (text, LEXICON.scan(text))


def test_hits_point_at_the_original_text():
    text = "您好！保 . 本保息的产品"
    [hit] = LEXICON.scan(text)
    assert text[hit.start:hit.end] == "保 . 本保息"
    norm, origin = normalise("穩賺，ＡＢＣ")
    assert norm == "稳赚,abc" and origin[-1] == len("穩賺，ＡＢＣ") - 1


def test_negated_hits_are_reported_on_request():
    [hit] = LEXICON.scan("该产品不保本", include_negated=True)
    assert hit.negated and hit.entry.phrase == "保本"


def draft(text):
    return {**SAMPLES["DraftReply"], "text": text}


def test_rewrite_keeps_clean_sentences_and_adds_the_disclosure():
    reply, audit = review(draft("这款理财起购1万元。保本保息，稳赚不赔！期限一年。"), LEXICON, now_ms=1)
    assert reply.datum["status"] == "rewritten"
    assert reply.datum["text"] == "这款理财起购1万元。期限一年。" + RISK_DISCLOSURE
    assert "promised_returns:保本保息" in reply.datum["compliance_flags"]
    assert '"severity": "rewrite"' in audit.datum["detail"]["hits"]


def test_credential_requests_are_blocked():
    reply, audit = review(draft("为了核实身份，请把短信验证码发给我。"), LEXICON, now_ms=1)
    assert reply.datum["status"] == "blocked" and audit.datum["action"] == "compliance.blocked"


def test_clean_reply_is_approved_unchanged():
    text = "该产品不保本，业绩比较基准不代表实际收益。理财非存款，产品有风险，投资须谨慎。"
    reply, _ = review(draft(text), LEXICON, now_ms=1)
    assert reply.datum["status"] == "approved" and reply.datum["text"] == text


CARD = "6222021234567890128"
ID = "11010519491231002X"


def test_checksums():
    assert luhn_ok(CARD) and not luhn_ok("6222021234567890123")
    assert valid_id_number(ID) and not valid_id_number("110105194912310021")


def test_pii_is_masked_to_the_last_four_digits():
    text, found = mask_pii(f"手机13812345678，身份证{ID}，卡号{CARD}，订单号1234567890123456")
    assert [f.kind for f in found] == ["mobile", "id_number", "bank_card"]
    assert "13812345678" not in text and ID not in text and CARD not in text
    assert "*******5678" in text and "**************002X" in text and "***************0128" in text
    assert "1234567890123456" in text  # not a valid card number: left alone


def test_spaced_card_numbers_are_found():
    spaced = " ".join(CARD[i:i + 4] for i in range(0, len(CARD), 4))
    [finding] = find_pii(f"卡号 {spaced} 已绑定")
    assert finding.kind == "bank_card"


def test_pii_in_a_draft_is_masked_and_flagged():
    reply, _ = review(draft(f"您的卡号{CARD}已挂失。"), LEXICON, now_ms=1)
    assert reply.datum["status"] == "rewritten" and CARD not in reply.datum["text"]
    assert "pii_masked:bank_card" in reply.datum["compliance_flags"]


def test_streaming_gate_catches_a_phrase_split_across_chunks():
    from agents.compliance.stream_gate import StreamingGate

    gate = StreamingGate(LEXICON.scan)
    out = []
    for chunk in ["这款产品起购1万元。保", "本保", "息，放心买！期限", f"一年，卡号{CARD}。", "欢迎咨询"]:
        out += gate.feed(chunk)
    assert out == ["这款产品起购1万元。", "期限一年，卡号***************0128。"]
    out += gate.close()
    assert out[-2:] == ["欢迎咨询", RISK_DISCLOSURE]
    assert "保本" not in "".join(out) and gate.dropped == 1


def test_streaming_gate_stops_at_a_blocking_sentence():
    from agents.compliance.stream_gate import StreamingGate

    gate = StreamingGate(LEXICON.scan)
    assert gate.feed("您好。") == ["您好。"]
    assert gate.feed("请把验证码告诉我。后面的话") == []
    assert gate.blocked and gate.feed("还有") == [] and gate.close() == []


def test_gate_meets_the_bar_on_the_projects_labelled_sets():
    """Lexicon + learned layer (trained by set-up on train.tsv only) on the two evaluation sets."""
    from agents.compliance.agent import default_model
    from agents.compliance.model import read_labelled
    from streams.settings import REPO_DIR, get_settings
    from streams.train import train_backend

    settings = get_settings()
    train_backend("compliance", settings.compliance_model_dir())
    model = default_model(settings)
    for name, (min_recall, min_precision) in {"labelled.tsv": (0.98, 0.95),
                                              "holdout_independent.tsv": (0.95, 0.95)}.items():
        rows = read_labelled(REPO_DIR / "data" / "compliance" / name)
        tp = fp = fn = 0
        for label, text in rows:
            flagged = review(draft(text), LEXICON, 0, model, settings.compliance.threshold)[0].datum["status"] != "approved"
            tp += flagged and label == "violation"
            fp += flagged and label == "clean"
            fn += (not flagged) and label == "violation"
        assert tp / (tp + fn) >= min_recall and tp / (tp + fp) >= min_precision, (name, tp, fp, fn)


def test_the_banks_own_knowledge_never_trips_the_gate_into_a_block():
    """Every FAQ answer and product fact the retrieval stage can send passes without a block: a gate
    that blocks the bank's own approved wording would hand ordinary questions to a human."""
    import json

    from agents.compliance.agent import default_model
    from agents.retrieval.logic import product_fact
    from streams.settings import REPO_DIR, get_settings
    from tests.fakes import CATALOGUE_ROWS, node

    settings = get_settings()
    model = default_model(settings)
    faqs = [json.loads(line) for line in (REPO_DIR / "data" / "knowledge" / "faq.jsonl").read_text().splitlines()]
    texts = [product_fact(node(row), 1.0)["content"] for row in CATALOGUE_ROWS] + [f["answer"] for f in faqs]
    blocked = [text[:40] for text in texts
               if review(draft(text), LEXICON, 0, model, settings.compliance.threshold)[0].datum["status"] == "blocked"]
    assert len(texts) > 500 and blocked == []


@pytest.mark.parametrize("text", ["请把验证码发给我，是为了防止诈骗", "这款理财保本保息，是正规产品不是诈骗"])
def test_a_following_clause_excuses_a_claim_only_when_it_calls_it_a_scam(text):
    assert flagged(text), text


def test_a_following_clause_that_calls_the_list_a_scam_excuses_it():
    assert not flagged("诱导下载陌生App、开启屏幕共享或提供验证码，是高发诈骗手法")


def test_every_fixed_sentence_the_bot_says_passes_the_gate():
    """"为了给您精确计算还款金额，请告诉我期限。" asks for a loan term, not a credential, and "正在为您转接人工客服"
    is no scam: every prompt, repair reply, opener and confirmation passes untouched."""
    from agents.compliance.agent import default_model
    from agents.generation.fixed_texts import fixed_texts
    from streams.settings import get_settings

    settings = get_settings()
    model = default_model(settings)
    changed = [text for text in fixed_texts()
               if review(draft(text), LEXICON, 0, model, settings.compliance.threshold)[0].datum["status"] != "approved"]
    assert len(fixed_texts()) > 90 and changed == []


def test_the_clean_training_rows_of_the_bots_own_words_are_current():
    from agents.generation.fixed_texts import fixed_texts
    from streams.settings import REPO_DIR

    rows = (REPO_DIR / "data" / "compliance" / "train_own_prompts.tsv").read_text(encoding="utf-8").splitlines()
    assert rows == [f"clean\t{text}" for text in fixed_texts()], \
        "regenerate: python -m agents.generation.fixed_texts > data/compliance/train_own_prompts.tsv"


def test_the_clean_training_rows_of_the_banks_published_knowledge_are_current():
    import importlib.util

    from streams.settings import REPO_DIR

    path = REPO_DIR / "data" / "compliance" / "make_own_knowledge.py"
    spec = importlib.util.spec_from_file_location("make_own_knowledge", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.OUT.read_text(encoding="utf-8").splitlines()
    assert len(rows) > 1000 and rows == module.own_knowledge_rows(), \
        "regenerate: python data/compliance/make_own_knowledge.py"


def test_claim_rules_expand_concepts_and_reject_unknown_ones(tmp_path):
    from agents.compliance.lexicon import Lexicon, LexiconEntry, load_claim_rules

    good = tmp_path / "claims.toml"
    good.write_text('[concepts]\nsure = ["保证", "一定"]\n[[claim]]\nname = "gain"\nfirst = ["@sure", "稳"]\n'
                    'second = ["赚"]\ngap = 4\ncategory = "promised_returns"\nrule = "r"\n', encoding="utf-8")
    (rule,) = load_claim_rules(good)
    assert rule.first == ("保证", "一定", "稳") and rule.severity == "rewrite"
    lexicon = Lexicon([LexiconEntry("无关词", "x", "rewrite", "r")], (rule,))
    assert [h.entry.category for h in lexicon.scan("这个一定能赚")] == ["promised_returns"]
    assert lexicon.scan("这个不一定能赚") == [] and lexicon.scan("一定，但是赚不赚看市场") == []
    bad = tmp_path / "bad.toml"
    bad.write_text('[[claim]]\nname = "x"\nfirst = ["@nope"]\nsecond = ["赚"]\ngap = 4\ncategory = "c"\nrule = "r"\n',
                   encoding="utf-8")
    with pytest.raises(ValueError, match="unknown concept '@nope'"):
        load_claim_rules(bad)
    bad.write_text('[[claim]]\nname = "x"\nfirst = ["a"]\nsecond = ["b"]\ncategory = "c"\nrule = "r"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="lacks \\['gap'\\]"):
        load_claim_rules(bad)


def test_every_claim_names_a_known_category_and_cites_a_source():
    taxonomy = (Path(__file__).resolve().parents[4] / "data" / "compliance" / "TAXONOMY.md").read_text(encoding="utf-8")
    for rule in LEXICON.rules:
        assert rule.category in taxonomy and "：" in rule.rule, rule.name


@pytest.mark.parametrize(("text", "act"), [("验证码谁要都别给", "zzwarn"), ("刷单返利都是诈骗", "zzverdict"),
                                           ("逾期记录没法花钱删", "zzcannot")])
def test_advice_is_marked_as_a_speech_act_for_the_learned_layer(text, act):
    from agents.compliance.model import compliance_form

    assert act in compliance_form(text).split()
    assert act not in compliance_form("请把验证码发给我，马上帮您处理").split()


def test_a_claim_may_span_the_clauses_its_rule_allows_and_no_more():
    assert flagged("稍后会有一条动态口令发到您手机上，收到后请直接回复在这个对话框里")
    assert not flagged("验证码会发到您手机上，收到后请勿告诉任何人，也不要回复给我")
    assert not flagged("验证码会发到您手机上，请在本行App内输入，完成后，页面会提示成功，再回复给我结果")


@pytest.mark.parametrize("text", [
    "验证码已发送，如果没收到请告诉我", "您可以联系您单位人事部门开具收入证明", "如有疑问请及时告诉家里人",
    "只要按时还款就不会违约", "保险公司不会赔付免责范围内的损失", "按时还款就不用担心征信", "您购买的大额存单就是存款",
    "请确保款项按时到账", "流程包括审批通过和签约",
])
def test_ordinary_service_sentences_make_no_claim(text):
    assert not flagged(text), text


@pytest.mark.parametrize("text", ["我们不是骗子，保证收益8%", "谨防骗子。本产品保证收益8%，本金一分不少", "保证收益8%，拒绝平庸",
                                  "验证码发给我，马上报警处理"])
def test_a_warning_word_nearby_does_not_excuse_a_claim(text):
    assert flagged(text), text


@pytest.mark.parametrize("text", ["麻烦点开屏幕录制并开始直播，我这边实时看您的操作步骤。", "您先打开录屏，我远程指导您操作。"])
def test_exposing_the_screen_by_any_means_is_a_screen_sharing_request(text):
    assert any(h.entry.category == "credential_request" for h in LEXICON.scan(text))


def test_a_rewritten_answer_that_already_discloses_does_not_say_it_again():
    text = "理财的风险由投资者承担。我们保证本金一分不少。理财非存款、产品有风险、投资须谨慎。"
    hits = LEXICON.scan(text)
    assert hits
    out = rewrite(text, hits)
    assert "一分不少" not in out and out.count("投资须谨慎") == 1
    bare = rewrite("这款产品保本保息。收益稳定。", LEXICON.scan("这款产品保本保息。收益稳定。"))
    assert bare.endswith(RISK_DISCLOSURE) and bare.count("投资须谨慎") == 1
