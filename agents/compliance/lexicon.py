"""The static compliance layer: banned phrases and claim patterns, matched with Aho-Corasick over
normalised text, with negation and disclaimers understood.

Normalisation maps traditional to simplified (OpenCC), full-width to half-width (NFKC), lower
case, and drops whitespace, punctuation and zero-width characters inside clauses, so "保 . 本",
"穩賺" and "ｂｂｂｘ" meet the lexicon. Each hit keeps its span in the original text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import ahocorasick

from domain.text import matching_form

# Negators that must touch the phrase ("不保本") versus ones that may stand a few characters before.
ADJACENT_NEGATORS = ("不", "非", "无", "没", "未", "勿", "别")
NEGATORS = ("不会", "不能", "不可", "无法", "不承诺", "不保证", "不存在", "并非", "并不", "不是", "没有", "绝不", "杜绝",
            "严禁", "禁止", "谨防", "警惕", "请勿", "切勿", "不得", "不要相信", "拒绝", "不再", "所谓", "谨慎对待",
            "不提供", "从不", "从来不", "不代表", "不应", "避免", "防范", "识别", "虚假的", "不属于",
            # reported claims the bot warns about, not makes
            "宣称", "声称", "号称", "谎称", "有人说", "打着", "冒充", "打破", "不便", "无需", "不需要", "不用",
            "提到的", "您说的", "所说的", "不使用", "不等于", "没法", "没办法", "不要", "任何人", "不允许", "不可以",
            "并没有", "从未", "不接受", "有人", "凡是", "网上", "网络上", "自称", "不做", "不会以", "不涉及", "谈不上",
            "假冒", "仿冒", "骗子")
DISCLAIMERS_AFTER = ("是不可能的", "是不存在的", "是骗局", "都是骗局", "属于诈骗", "是诈骗", "是违规的", "的说法不对",
                     "都是假的", "是虚假宣传", "不可信", "是错误的", "不可能实现", "我行没有", "我们没有", "多为诈骗",
                     "均为诈骗", "都是诈骗", "需要警惕", "需要高度警惕", "请警惕", "是非法", "非法集资", "不准确",
                     "不要相信", "请勿相信", "并非", "这种说法", "这类说法", "这样的说法", "说法不成立", "不成立",
                     "并不存在", "不存在", "不符合规定", "违规", "不合规", "不靠谱", "是陷阱", "要当心", "请当心",
                     "远离", "值得警惕", "提高警惕", "警惕", "骗钱", "涉嫌", "诈骗", "骗局", "诱饵", "无法删除",
                     "无法消除", "不要付费", "谨慎", "理论上的说法", "不能", "无法")
NEGATION_WINDOW = 20
# The next clause names what came before a scam ("…提供验证码，是高发诈骗手法"), not a purpose ("…，是为了防止诈骗")
# nor a denial ("…，是正规产品不是诈骗").
VERDICT = re.compile(r"(?:都|均|这|这些都|此类|这类|以上|大多|多|往往|一般|基本都)?(?:是|为|属于)"
                     r"(?:[^,不非防为]{0,6})(?:诈骗|骗局|陷阱)")


@dataclass(frozen=True)
class LexiconEntry:
    phrase: str
    category: str
    severity: str  # block | rewrite | allow
    rule: str


@dataclass(frozen=True)
class Hit:
    entry: LexiconEntry
    start: int  # span in the original text, end exclusive
    end: int
    negated: bool = False


@dataclass(frozen=True)
class ProximityRule:
    """A claim made of two cue sets in order within ``gap`` characters of one clause."""

    name: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    gap: int
    category: str
    rule: str
    severity: str = "rewrite"


PROXIMITY_RULES = (
    ProximityRule("certain_gain", ("肯定", "一定", "保证", "必定", "绝对", "铁定", "百分百", "100%", "包"),
                  ("拿到", "能拿", "赚", "挣", "盈利", "翻倍", "有钱拿", "回本"), 6, "promised_returns",
                  "理财公司理财产品销售管理暂行办法第三十八条：不得承诺或变相承诺收益"),
    ProximityRule("promised_yield", ("保证", "承诺", "肯定有", "绝对有", "铁定有", "保您"),
                  ("收益", "回报", "利息", "年化"), 6, "promised_returns",
                  "资管新规第二十一条：不得承诺保本保收益"),
    ProximityRule("principal_safe", ("本金",),
                  ("不会少", "一分不少", "一分都不会少", "不会亏", "绝对安全", "有保障", "不会损失", "全额返还", "保全",
                   "没有任何风险", "不会有损失", "百分百安全", "稳稳的"), 8, "promised_returns",
                  "资管新规第二十一条：不得承诺保本保收益"),
    ProximityRule("cannot_lose", ("不可能", "绝不会", "永远不会", "不会"), ("亏", "赔", "跌"), 0,
                  "promised_returns", "理财公司理财产品销售管理暂行办法第三十八条：不得承诺或变相承诺收益"),
    ProximityRule("approval_promise", ("保证", "包", "肯定", "一定", "百分百", "100%", "绝对", "打包票"),
                  ("放款", "下款", "批下来", "批卡", "能批", "通过", "过审", "到账"), 8, "guaranteed_approval",
                  "商业银行互联网贷款管理暂行办法；银保监会消费者权益保护规定：不得承诺贷款审批结果"),
    ProximityRule("credit_wipe", ("征信", "信用记录", "逾期记录", "不良记录", "呆账", "逾期"),
                  ("变白", "洗白", "删掉", "删除", "消除", "抹掉", "清除", "恢复干净", "处理掉", "彻底消失", "改一下", "变干净"),
                  8, "credit_repair", "征信业管理条例第二十五条：不得虚构征信修复、规避信用审查", "block"),
    ProximityRule("credential_ask", ("提供", "告诉", "发给", "发过来", "报一下", "说一下", "念", "输入", "索要", "报给"),
                  ("验证码", "密码", "cvv", "安全码", "动态码", "短信码", "完整卡号"), 6, "credential_request",
                  "反电信网络诈骗法；个人金融信息保护技术规范：不得索要验证码、密码等敏感信息", "block"),
    ProximityRule("state_backing", ("监管部门", "监管机构", "银保监", "金融监管总局", "证监会", "人民银行", "央行", "国家", "政府",
                                    "官方"),
                  ("审批过", "批准过", "盖了章", "盖章", "认证过", "认证的", "推荐的", "重点推荐", "背书", "兜底", "担保",
                   "保障本金", "不可能出事", "不会出事", "负责到底", "保本", "保障机制", "补给您", "补偿您", "不会让",
                   "做过认证", "认可它的收益", "认可收益"), 12, "state_backing",
                  "金融产品网络营销管理办法；理财公司理财产品销售管理暂行办法：不得宣称监管或政府对产品背书、担保", "block"),
    ProximityRule("designated_account", ("转到", "转入", "转至", "存入", "打到", "汇到", "汇入", "打入", "先往"),
                  ("对公合作账户", "合作账户", "指定账户", "这个账户", "我的账户", "个人账户", "私人账户", "经理账户",
                   "验资账户", "监管账户", "安全账户"), 10, "designated_account",
                  "反电信网络诈骗法；商业银行个人理财业务管理办法：不得要求客户向指定或个人账户转账", "block"),
    ProximityRule("deposit_to_verify", ("放款前", "验资", "验证您的还款能力", "验证还款能力", "解冻", "流水"),
                  ("存入", "转入", "先交", "先存", "往这个账户"), 14, "designated_account",
                  "反电信网络诈骗法：放款前不得以验资、解冻等名义要求转账", "block"),
    ProximityRule("fee_disguised_interest", ("免息", "零利息", "0利息", "不要利息", "没有利息", "无息"),
                  ("服务费", "手续费", "管理费", "会员费", "咨询费"), 12, "hidden_loan_cost",
                  "关于进一步规范信贷融资收费的通知；贷款综合成本须以年化利率明示", "rewrite"),
    ProximityRule("fee_then_no_interest", ("服务费", "手续费", "管理费", "会员费", "咨询费", "审核费", "担保费"),
                  ("利息全免", "免息", "不收利息", "不算利息", "零利息", "0利息", "利息一分不收", "不要利息"), 12,
                  "hidden_loan_cost", "关于进一步规范信贷融资收费的通知；贷款综合成本须以年化利率明示", "rewrite"),
    ProximityRule("no_loss", ("不可能", "绝不会", "永远不会", "不会", "没有任何", "零"),
                  ("出现损失", "有损失", "有任何损失", "损失", "下行空间", "回撤", "亏损"), 3, "zero_risk",
                  "理财公司理财产品销售管理暂行办法第三十八条：不得宣传产品无风险"),
    ProximityRule("one_way", ("只会", "只能", "只"), ("往上走", "涨不会跌", "高不会低", "涨不跌", "多不会少", "赚不会亏"), 2,
                  "promised_returns", "理财公司理财产品销售管理暂行办法第三十八条：不得承诺或变相承诺收益"),
    # Debts told to the people around a debtor, or calls until someone else answers.
    ProximityRule("debt_disclosed", ("照片", "欠款", "欠债", "逾期信息", "逾期情况", "欠款情况", "逾期的事", "欠钱的事"),
                  ("家族群", "亲友群", "朋友圈", "公告栏", "小区", "单位", "同事", "领导", "邻居", "通讯录", "紧急联系人",
                   "家里人", "老家", "学校"), 16, "abusive_collection",
                  "银行保险机构消费者权益保护管理办法第三十四条：催收不得向无关第三人透露债务、不得骚扰", "block"),
    ProximityRule("calls_until", ("一直打", "天天打", "不停地打", "不停打", "打爆", "轮番打", "反复打"),
                  ("家里人", "同事", "单位", "领导", "接为止", "通讯录", "亲戚", "朋友"), 10, "abusive_collection",
                  "银行保险机构消费者权益保护管理办法第三十四条：催收不得威胁、骚扰", "block"),
    ProximityRule("profit_share_advice", ("不赚钱", "亏了", "没盈利", "不盈利", "亏损"),
                  ("不收费", "不收", "一分钱都不收", "分成", "全额退"), 8, "illegal_advice",
                  "证券投资顾问业务暂行规定：不得以盈利分成、亏损不收费等方式招揽", "block"),
    ProximityRule("stock_tips", ("带您", "带你", "带单", "老师", "荐股群", "内幕"),
                  ("抓牛股", "牛股", "涨停", "翻倍股", "稳赚"), 10, "illegal_advice",
                  "证券法；证券投资顾问业务暂行规定：非法荐股", "block"),
    ProximityRule("purchase_gift", ("购买", "买", "办理", "投保", "认购"),
                  ("即送", "就送", "赠送", "送价值", "抽奖", "返现", "礼品"), 16, "inducement",
                  "保险法第一百一十六条；银行保险机构消费者权益保护管理办法：不得给予合同约定以外的利益诱导", "rewrite"),
    ProximityRule("credential_send", ("验证码", "密码", "cvv", "安全码", "动态码", "短信码"),
                  ("发给我", "告诉我", "报给我", "念给我", "发过来", "给我看"), 6, "credential_request",
                  "反电信网络诈骗法；个人金融信息保护技术规范：不得索要验证码、密码等敏感信息", "block"),
)


def _negated(norm: str, start: int, end: int) -> bool:
    clause_start = norm.rfind(",", 0, start) + 1
    before = norm[max(clause_start, start - NEGATION_WINDOW):start]
    if before.endswith(ADJACENT_NEGATORS) or any(n in before for n in NEGATORS):
        return True
    clause_end = norm.find(",", end)
    after = norm[end:clause_end if clause_end >= 0 else len(norm)]
    if any(d in after[:14] for d in DISCLAIMERS_AFTER):
        return True
    # "…诱导开启屏幕共享或提供验证码，是高发诈骗手法": the next clause calls the whole list a scam
    following = norm[clause_end + 1:clause_end + 16] if clause_end >= 0 else ""
    return VERDICT.match(following) is not None


class Lexicon:
    def __init__(self, entries: list[LexiconEntry], rules: tuple[ProximityRule, ...] = PROXIMITY_RULES) -> None:
        if not entries:
            raise ValueError("empty lexicon")
        self.entries = entries
        self.rules = rules
        self._phrases = ahocorasick.Automaton()
        for entry in entries:
            key, _ = matching_form(entry.phrase)
            if key:
                self._phrases.add_word(key, (len(key), entry))
        self._phrases.make_automaton()
        self._cues = ahocorasick.Automaton()
        cues: dict[str, list[tuple[int, int]]] = {}
        for r, rule in enumerate(rules):
            for side, words in ((0, rule.first), (1, rule.second)):
                for w in words:
                    cues.setdefault(w, []).append((r, side))
        for word, roles in cues.items():
            self._cues.add_word(word, (len(word), roles))
        self._cues.make_automaton()

    @classmethod
    def from_tsv(cls, path: Path) -> Lexicon:
        entries = []
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) < 4 or cols[2] not in ("rewrite", "block", "allow"):
                raise ValueError(f"{path.name}:{n}: want phrase, category, rewrite|block|allow, rule[, provenance]")
            entries.append(LexiconEntry(*cols[:4]))
        return cls(entries)

    def scan(self, text: str, *, include_negated: bool = False) -> list[Hit]:
        """Hits in ``text``; negated or disclaimed ones only with ``include_negated``."""
        norm, origin = matching_form(text)
        if not norm:
            return []
        raw: list[tuple[int, int, LexiconEntry]] = []
        for end, (length, entry) in self._phrases.iter(norm):
            raw.append((end - length + 1, end + 1, entry))
        raw += self._proximity(norm)
        allowed = [(s, e) for s, e, entry in raw if entry.severity == "allow"]
        hits = []
        for s, e, entry in raw:
            if entry.severity == "allow" or any(a <= s and e <= b for a, b in allowed):
                continue
            hits.append(Hit(entry, origin[s], origin[e - 1] + 1, _negated(norm, s, e)))
        # A negated long phrase also covers its parts: "不保本保息" must not leave "保息" behind.
        return [h for h in _longest(hits) if include_negated or not h.negated]

    def _proximity(self, norm: str) -> list[tuple[int, int, LexiconEntry]]:
        seen: dict[int, list[tuple[int, int]]] = {}
        firsts: list[tuple[int, int, int]] = []  # (rule, start, end)
        out = []
        for end, (length, roles) in self._cues.iter(norm):
            start = end - length + 1
            for r, side in roles:
                if side == 0:
                    firsts.append((r, start, end + 1))
                else:
                    seen.setdefault(r, []).append((start, end + 1))
        for r, fs, fe in firsts:
            rule = self.rules[r]
            for ss, se in seen.get(r, []):
                # A negator between the two cues turns the claim into its denial ("购买保险不存在返现").
                between = norm[fe:ss]
                if fe <= ss and ss - fe <= rule.gap and "," not in between and not any(n in between for n in NEGATORS):
                    entry = LexiconEntry(norm[fs:se], rule.category, rule.severity, rule.rule)
                    out.append((fs, se, entry))
                    break
        return out


@cache
def default_lexicon() -> Lexicon:
    """The project's lexicon, ``data/compliance/lexicon.tsv`` (loaded once per process)."""
    return Lexicon.from_tsv(Path(__file__).resolve().parents[2] / "data" / "compliance" / "lexicon.tsv")


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop hits inside a longer hit of the same category (保本 inside 保本保息)."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for h in hits:
        if any(k.start <= h.start and h.end <= k.end and k.entry.category == h.entry.category for k in kept):
            continue
        kept.append(h)
    return kept
