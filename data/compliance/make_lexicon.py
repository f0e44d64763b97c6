"""Build data/compliance/lexicon.tsv: the banned-phrase lexicon of the compliance gate.

    python data/compliance/make_lexicon.py

Every entry is ``phrase<TAB>category<TAB>severity<TAB>rule<TAB>provenance``. Seeds are hand-written by
the project from the rules they cite; combinations (cue × object), homophone spellings and pinyin
spellings are generated from them, and say so in the provenance column. Severity ``block`` stops
the reply and hands the session to a human; ``rewrite`` removes the sentence; ``allow`` marks
legitimate banking terms that contain a banned substring (最低还款) and cancels hits they cover.
"""
from __future__ import annotations

import itertools
from pathlib import Path

HERE = Path(__file__).resolve().parent

RULES = {
    "promised_returns": "资管新规第二十一条；理财公司理财产品销售管理暂行办法第三十八条：不得承诺保本保收益",
    "zero_risk": "理财公司理财产品销售管理暂行办法第三十八条：不得宣传产品无风险或夸大收益",
    "absolute_superlative": "广告法第九条：不得使用国家级、最高级、最佳等用语",
    "guaranteed_approval": "商业银行互联网贷款管理暂行办法；银保监会消费者权益保护规定：不得承诺贷款审批结果",
    "credit_repair": "征信业管理条例第二十五条：不得虚构征信修复、规避信用审查",
    "inducement": "银行保险机构消费者权益保护管理办法第十三条：不得以不正当利益诱导消费",
    "deposit_confusion": "理财公司理财产品销售管理暂行办法第三十三条：不得将理财产品与存款混淆",
    "credential_request": "反电信网络诈骗法；个人金融信息保护技术规范：不得索要验证码、密码等敏感信息",
    "private_account": "反洗钱法；支付结算办法：不得引导资金转入个人或所谓安全账户",
    "abusive_collection": "银行保险机构消费者权益保护管理办法第三十四条：催收不得威胁、骚扰、泄露信息",
    "insider_tip": "证券法第五十条、第五十三条：不得利用或传播内幕信息、不得保证涨跌",
    "allowed_term": "合规用语：含敏感字但属正常金融术语",
}
BLOCK = {"credit_repair", "credential_request", "private_account", "abusive_collection"}

SEEDS: dict[str, list[str]] = {
    "promised_returns": [
        "保本保息", "保本保收益", "保本", "保息", "保收益", "本金无忧", "本金有保障", "本金绝对安全", "稳赚不赔", "稳赚",
        "只赚不赔", "包赚", "包赚不赔", "稳赢", "刚性兑付", "刚兑", "保底收益", "保底", "旱涝保收", "躺赚", "稳稳赚",
        "保本理财", "保本型", "零亏损", "不会亏", "不可能亏", "亏不了", "绝不亏损", "稳定盈利", "稳获收益", "收益翻倍",
        "躺着赚钱", "稳拿收益", "本息全保", "本金一分不少", "保证不亏", "承诺不亏", "必赚", "肯定赚", "一定赚",
        "稳赚钱", "年年有收益保证", "收益有保证", "利息有保证", "到期必拿",
    ],
    "zero_risk": [
        "零风险", "无风险", "没有风险", "没有任何风险", "毫无风险", "绝对安全", "百分百安全", "100%安全", "十足安全",
        "万无一失", "风险为零", "无任何风险", "一点风险都没有", "不存在任何风险", "稳如泰山", "安全无忧", "完全没风险",
    ],
    "absolute_superlative": [
        "收益最高", "利率最低", "全网最低", "全国第一", "行业第一", "业内第一", "最好的理财", "最安全的", "最佳理财",
        "史上最高", "独一无二", "无与伦比", "绝无仅有", "国家级理财", "顶级收益", "第一品牌", "最划算的",
        "收益第一", "回报最高", "最赚钱",
    ],
    "guaranteed_approval": [
        "包过", "包批", "百分百下款", "100%下款", "秒批", "必过", "一定批", "肯定批", "保证通过", "保证下款",
        "保证放款", "无条件放款", "不看征信", "免审核", "零门槛放款", "无门槛放款", "不查征信", "下款率100%",
        "秒下款", "当天必下款", "稳过", "包下款",
    ],
    "credit_repair": [
        "无视征信", "黑户可贷", "黑户也能贷", "征信修复", "修复征信", "洗白征信", "征信洗白", "消除逾期", "删除逾期记录",
        "花户可贷", "征信花了也能贷", "屏蔽征信", "代办征信", "铲除不良记录", "消除不良记录", "征信逾期可以洗掉",
        "征信变白", "征信报告变白", "征信变干净", "不上征信", "不查信用记录", "不查您的信用记录",
    ],
    "inducement": [
        "买就送", "错过今天就没了", "仅限今天", "手慢无", "不买就亏了", "高额返利", "返现红包", "拉人头奖励",
        "赠送现金", "送iphone", "送苹果手机", "充值返现", "先到先得赶紧", "最后一天赶紧买",
    ],
    "deposit_confusion": [
        "理财就是存款", "等同于存款", "跟存款一样", "和存款一样", "相当于定期存款", "就是定期存款", "保险就是存款",
        "存款型理财", "跟定期一样安全", "和定期存款一样", "理财等于存款", "这个保险跟存钱一样", "受存款保险保障的理财",
    ],
    "credential_request": [
        "告诉我验证码", "提供验证码", "验证码发给我", "把验证码告诉我", "报一下验证码", "念一下验证码",
        "告诉我密码", "提供密码", "密码发给我", "把密码告诉我", "提供取款密码", "告诉我支付密码", "把卡号和密码发给我",
        "提供cvv", "告诉我安全码", "把动态码发给我", "提供网银密码", "把u盾密码告诉我", "提供完整卡号",
        "把身份证和密码发过来", "验证码念给我",
    ],
    "private_account": [
        "转到个人账户", "转入安全账户", "安全账户", "转到我的账户", "转到我个人账户", "私人账户", "转给我个人",
        "打到我卡上", "转入指定账户", "资金清查账户", "转到我私人卡", "汇到我个人名下", "国家安全账户",
        "验资账户", "过渡账户", "临时过渡账户", "个人微信", "私人微信", "个人支付宝", "私人支付宝", "转到我微信",
        "转我支付宝", "激活账户",
    ],
    "abusive_collection": [
        "通知你单位", "通知你家人", "上门催收", "社会性死亡", "曝光你", "让你坐牢", "抓你", "让你好看", "爆通讯录",
        "骚扰你家人", "把你挂网上", "老赖", "让你身败名裂", "找你全家", "告到你单位", "打给你所有联系人",
    ],
    "insider_tip": [
        "内部消息", "内幕消息", "必涨", "肯定涨", "稳涨", "包涨", "一定涨", "下周必涨", "涨停消息", "庄家拉升",
        "跟着买就赚", "十倍股", "翻倍股", "稳赚股",
    ],
    "allowed_term": [
        "最低还款", "最低还款额", "最高可贷", "最高额度", "最长期限", "最长可贷", "最低起购", "最低起存", "最高不超过",
        "最低利率以审批为准", "最快当天", "保险责任", "保险金额", "保单", "保险期间", "保证金", "保证人", "担保人",
        "保证保险", "安全账户是诈骗", "资产安全", "账户安全", "资金安全提示", "安全中心",
        # a loan guaranteed by a government financing-guarantee agency (创业担保贷款) is a product fact,
        # not the state standing behind an investment
        "政府性融资担保机构", "政府性融资担保",
        # the ATM safety advice "输入密码时用手遮挡键盘" asks for nothing
        "输入密码时用手遮挡", "输入密码时遮挡",
        # 一定 as "a certain (period, degree)", not "certainly"
        "一定年限", "一定期限", "一定时间", "一定程度", "一定比例", "一定条件", "一定的风险", "一定风险",
        # 免 as "so as to avoid" ("以免影响征信"), not "exempt from"
        "以免", "免得", "避免",
        # 包 in 包括, 赔 in 赔付/赔偿: not "guaranteed" or "lose"
        "包括", "包含", "赔付", "赔偿", "理赔",
        # paying off the dearest debt first is debt advice, not a superlative about a product
        "先还利率最高", "优先还利率最高", "优先偿还利率最高", "先偿还利率最高",
    ],
}

# Cue × object combinations: each pairing is a claim of the category on its own.
COMBOS: dict[str, list[tuple[list[str], list[str]]]] = {
    "promised_returns": [
        (["保证", "承诺", "确保", "担保", "保障", "包", "稳拿", "一定有", "肯定有", "铁定", "必定有", "稳定获得", "绝对有"],
         ["收益", "回报", "利息", "年化", "本金", "本息", "盈利", "高收益", "固定收益", "年化收益", "分红", "赚钱"]),
        (["年化", "收益率", "回报率", "收益"],
         ["保证", "稳定在5%", "一定达到", "肯定有", "至少", "稳稳的", "只涨不跌", "有保障", "保底"]),
    ],
    "zero_risk": [
        (["绝对", "百分百", "100%", "完全", "百分之百", "保证", "十足", "彻底"],
         ["安全", "无风险", "可靠", "不亏", "没风险", "稳妥"]),
    ],
    "absolute_superlative": [
        (["全网最", "全国最", "业内最", "史上最", "行业最", "全市最", "市场最"],
         ["高", "好", "低", "安全", "划算", "优惠", "稳", "便宜", "强", "赚钱"]),
        (["收益", "利率", "回报", "产品", "理财", "服务", "平台", "基金"],
         ["最高", "最好", "第一", "最优", "最强", "无敌", "天下第一"]),
    ],
    "guaranteed_approval": [
        (["保证", "一定", "肯定", "百分百", "100%", "包", "绝对", "必定"],
         ["通过", "下款", "放款", "审批", "批下来", "过审", "获批"]),
    ],
    "credential_request": [
        # Not 发送: the bank itself sends codes ("我们会向您发送验证码").
        (["告诉我", "提供", "发给我", "报一下", "说一下", "念一下", "给我", "发我", "报给我", "透露"],
         ["验证码", "密码", "取款密码", "支付密码", "动态码", "短信码", "cvv码", "安全码", "完整卡号", "网银密码",
          "登录密码", "交易密码", "u盾密码"]),
    ],
    "private_account": [
        (["转到", "转入", "汇到", "打到", "存到", "转账到"],
         ["个人账户", "私人账户", "安全账户", "我的卡", "我的账户", "指定个人账户", "我个人卡", "国家监管账户"]),
    ],
    "insider_tip": [
        (["下周", "明天", "马上", "近期", "这只基金", "这只股票", "这个板块"],
         ["必涨", "肯定涨", "稳涨", "包涨", "翻倍", "一定涨", "大涨", "拉升"]),
    ],
}

# Common homophone slips and deliberate evasions, character for character.
HOMOPHONES = {"保": ["包", "宝"], "赚": ["转", "撰"], "险": ["显", "鲜"], "证": ["正", "政"], "稳": ["文", "问"],
              "码": ["马", "玛"], "赔": ["陪", "培"], "息": ["熄", "希"]}
VARIANT_SOURCES = {"promised_returns", "zero_risk", "guaranteed_approval", "credential_request", "credit_repair"}


def homophone_variants(phrase: str) -> list[str]:
    """One-character homophone swaps of ``phrase`` (each swap a separate spelling)."""
    out = []
    for i, ch in enumerate(phrase):
        for alt in HOMOPHONES.get(ch, []):
            out.append(phrase[:i] + alt + phrase[i + 1:])
    return out


def pinyin_variants(phrase: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    if not all("\u4e00" <= ch <= "\u9fff" for ch in phrase) or len(phrase) < 3:
        return []
    initials = "".join(lazy_pinyin(phrase, style=Style.FIRST_LETTER))
    full = "".join(lazy_pinyin(phrase))
    return [initials, full]


def main() -> None:
    entries: dict[str, tuple[str, str]] = {}

    def put(phrase: str, category: str, provenance: str) -> None:
        phrase = phrase.strip().lower()
        if phrase and phrase not in entries:
            entries[phrase] = (category, provenance)

    for category, phrases in SEEDS.items():
        for phrase in phrases:
            put(phrase, category, "hand-written")
    for category, combos in COMBOS.items():
        for cues, objects in combos:
            for cue, obj in itertools.product(cues, objects):
                put(cue + obj, category, f"combination of hand-written cue '{cue}' and object '{obj}'")
    for phrase, (category, _prov) in list(entries.items()):
        if category not in VARIANT_SOURCES:
            continue
        for variant in homophone_variants(phrase):
            put(variant, category, f"homophone spelling of '{phrase}'")
        for variant in pinyin_variants(phrase):
            put(variant, category, f"pinyin spelling of '{phrase}'")
    lines = ["# phrase\tcategory\tseverity\trule\tprovenance (generated by make_lexicon.py; edit the seeds there)"]
    for phrase, (category, provenance) in sorted(entries.items(), key=lambda e: (e[1][0], e[0])):
        severity = "allow" if category == "allowed_term" else "block" if category in BLOCK else "rewrite"
        lines.append("\t".join([phrase, category, severity, RULES[category], provenance]))
    (HERE / "lexicon.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    by_category: dict[str, int] = {}
    for category, _ in entries.values():
        by_category[category] = by_category.get(category, 0) + 1
    print(f"{len(entries)} entries: " + ", ".join(f"{k} {v}" for k, v in sorted(by_category.items())))


if __name__ == "__main__":
    main()
