"""The static compliance layer: banned phrases and claim patterns, matched with Aho-Corasick over
normalised text, with negation and disclaimers understood.

Normalisation maps traditional to simplified (OpenCC), full-width to half-width (NFKC), lower
case, and drops whitespace, punctuation and zero-width characters inside clauses, so "保 . 本",
"穩賺" and "ｂｂｂｘ" meet the lexicon. Each hit keeps its span in the original text.
"""
from __future__ import annotations

import re
import tomllib
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
            "假冒", "仿冒", "骗子", "客户说", "有客户", "别把", "千万别", "别信", "别听", "别相信", "不构成", "不意味着", "如对方", "如果对方", "若对方",
            "对方要求", "任何要求", "凡要求", "无权为", "无权删除", "无权修改", "无权洗白")
DISCLAIMERS_AFTER = ("是不可能的", "是不存在的", "是骗局", "都是骗局", "属于诈骗", "是诈骗", "是违规的", "的说法不对",
                     "都是假的", "是虚假宣传", "不可信", "是错误的", "不可能实现", "我行没有", "我们没有", "多为诈骗",
                     "均为诈骗", "都是诈骗", "需要警惕", "需要高度警惕", "请警惕", "是非法", "非法集资", "不准确",
                     "不要相信", "请勿相信", "并非", "这种说法", "这类说法", "这样的说法", "说法不成立", "不成立",
                     "并不存在", "不存在", "不符合规定", "违规", "不合规", "不靠谱", "是陷阱", "要当心", "请当心",
                     "远离", "值得警惕", "提高警惕", "警惕", "骗钱", "涉嫌", "诈骗", "骗局", "诱饵", "无法删除",
                     "无法消除", "不要付费", "谨慎", "理论上的说法", "不能", "无法", "修复不了", "删不了", "处理不了",
                     "没有用", "没用", "骗子", "为名", "为幌子", "为由")
NEGATION_WINDOW = 20
# A question answered no at once ("…能马上消除记录吗？答：不能"): the claim is asked about and denied.
ANSWERED_NO = re.compile(r"(?:答,)?(?:当然|肯定)?(?:不能|不可以|不会|不行|否|不可能|没有|不是)(?:的|啊|哦|呢)?(?:,|$)")
# Between a claim's two cues, a denial of the relation itself ("理财产品不在存款保险保障范围内").
BETWEEN_DENIAL = re.compile(r"[不非未没无](?:在|受|属|纳入|享|算|是)")
# ... and, between a loan-cost claim's cues, a charge denied ("免息且不收手续费") or only supposed ("放款时如被扣除利息")
CHARGE_DENIED = re.compile(r"(?:不|免|无需|不用|不必)(?:另|再)?(?:收|支付|交|缴)|如被|若被|如果被|一旦被")
FRAUD_ACTOR = re.compile(r"(?<!不是)(?<!并非)(骗子|不法分子|诈骗分子|犯罪分子|诈骗团伙)(常|会|就会|借此|通过|利用|就能|可以|便|能)")
# The next clause names what came before a scam ("…提供验证码，是高发诈骗手法"), not a purpose ("…，是为了防止诈骗")
# nor a denial ("…，是正规产品不是诈骗").
VERDICT = re.compile(r"(?:都|均|这|这些都|此类|这类|以上|大多|多|往往|一般|基本都|很可能|可能|大概率|一律|全是)?(?:是|为|属于)"
                     r"(?:[^,不非防为]{0,6})(?:诈骗|骗局|陷阱)"
                     # ... or refutes it ("有人说…国家担保，这种理解是不对的")
                     r"|(?:这个|这种|这类|此类|该|这样的|这|上述)?(?:说法|理解|宣传|观点|话术|讲法)(?:是|都是|完全)?"
                     r"(?:不对|错误|错的|误导|不成立|不准确|不实|虚假|骗人|不正确)"
                     # ... or tells the customer to stop ("如对方要求转入个人账户，请立即停止")
                     r"|请您?(?:立即|马上|立刻)?(?:停止|挂断|拒绝|报警|拨打110|拨打96110)"
                     r"|(?:立即|马上|立刻)(?:挂断|停止转账|停止操作)")
# For a loan-cost claim only, the next clause may also name the practice unlawful ("…放款时被扣除了利息，这属于
# 违规行为"), say the cost is not zero after all, or count the fee it played down ("…不是利息，但同样计入年化
# 利率") — never as a question ("这属于违规吗？").
LOAN_COST_VERDICT = re.compile(r"(?:(?:这|此|这种|这类)?(?:属于|是|属)(?:[^,不非没无否吗么?]{0,4})(?:违规|违法|砍头息)"
                               r"|(?:实际)?成本(?:并|也)?不(?:为零|是零)"
                               r"|(?:但|不过|但是|同样|也|会|将|已)(?:同样|也|会|都|均|已|要)*"
                               r"(?:(?:计入|折算成?|折进|纳入|算进|包含在)(?:到)?(?:年化|综合)|(?:是|属于|算)(?:借款|贷款)?成本))"
                               r"(?![^,]*[吗么?])")


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
class ClaimRule:
    """A claim made of two cue sets in order within ``gap`` characters of one clause."""

    name: str
    first: tuple[str, ...]
    second: tuple[str, ...]
    gap: int
    category: str
    rule: str
    severity: str = "rewrite"
    unless: tuple[str, ...] = ()  # subjects for which the claim is true ("国债由国家信用担保")
    clauses: int = 1  # clauses the claim may span (its cues in the same one by default)


def load_claim_rules(path: Path) -> tuple[ClaimRule, ...]:
    """Claim rules from a TOML file of ``[concepts]`` (named cue sets) and ``[[claim]]`` tables whose
    cue lists name concepts as "@concept" beside literal cues."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    concepts: dict[str, list[str]] = doc.get("concepts", {})

    def cues(claim: str, items: list[str]) -> tuple[str, ...]:
        out: list[str] = []
        for item in items:
            if item.startswith("@"):
                if item[1:] not in concepts:
                    raise ValueError(f"{path.name}: claim {claim!r} names unknown concept {item!r}")
                out += concepts[item[1:]]
            else:
                out.append(item)
        return tuple(dict.fromkeys(out))

    rules = []
    for c in doc.get("claim", []):
        missing = {"name", "first", "second", "gap", "category", "rule"} - c.keys()
        if missing:
            raise ValueError(f"{path.name}: claim {c.get('name', '?')!r} lacks {sorted(missing)}")
        if c.get("severity", "rewrite") not in ("rewrite", "block"):
            raise ValueError(f"{path.name}: claim {c['name']!r}: severity must be rewrite or block")
        rules.append(ClaimRule(c["name"], cues(c["name"], c["first"]), cues(c["name"], c["second"]), int(c["gap"]),
                               c["category"], c["rule"], c.get("severity", "rewrite"),
                               cues(c["name"], c.get("unless", [])), int(c.get("clauses", 1))))
    if not rules:
        raise ValueError(f"{path.name}: no [[claim]] tables")
    return tuple(rules)


DATA = Path(__file__).resolve().parents[2] / "data" / "compliance"


def _negated(norm: str, start: int, end: int, category: str = "") -> bool:
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
    if VERDICT.match(following) or (after.endswith(("吗", "么", "嘛")) and ANSWERED_NO.match(following)):
        return True
    if category == "hidden_loan_cost" and ("砍头息" in after[:14] or LOAN_COST_VERDICT.match(following)):
        return True
    # A fraudster named as the one acting after it ("开启屏幕共享后，对方…，骗子常借此转走") describes the scam;
    # scripts never call their own speaker that.
    return FRAUD_ACTOR.search(norm[end:end + 30]) is not None


def _claims(rule: ClaimRule, norm: str, fs: int, fe: int, ss: int, se: int) -> bool:
    """Whether a first cue at [fs, fe) and a second at [ss, se) make ``rule``'s claim: in order, near
    enough, within its clauses, and not denied between them — a negator there ("购买保险不存在返现"), one
    touching what is asserted ("国家不兜底"), or a denied relation ("不在…保障范围") — nor about a subject
    for which the claim is simply true."""
    between = norm[fe:ss]
    if not (fe <= ss and ss - fe <= rule.gap and between.count(",") < rule.clauses):
        return False
    if any(n in between for n in NEGATORS) or between.endswith(ADJACENT_NEGATORS) or BETWEEN_DENIAL.search(between):
        return False
    if rule.category == "hidden_loan_cost" and CHARGE_DENIED.search(between):
        return False
    if not rule.unless:
        return True
    # the subject or condition that makes it true may sit in the clause before ("只要按时还款，…不会显示")
    # or later in its own clause ("可请家人出面代办")
    clause_start = norm.rfind(",", 0, fs)
    start = norm.rfind(",", 0, clause_start) + 1 if clause_start >= 0 else 0
    end = norm.find(",", se)
    return not any(u in norm[start:end if end >= 0 else len(norm)] for u in rule.unless)


class Lexicon:
    def __init__(self, entries: list[LexiconEntry], rules: tuple[ClaimRule, ...] | None = None) -> None:
        if not entries:
            raise ValueError("empty lexicon")
        self.entries = entries
        self.rules = default_claim_rules() if rules is None else rules
        self._phrases = ahocorasick.Automaton()
        for entry in entries:
            key, _ = matching_form(entry.phrase)
            if key:
                self._phrases.add_word(key, (len(key), entry))
        self._phrases.make_automaton()
        self._cues = ahocorasick.Automaton()
        cues: dict[str, list[tuple[int, int]]] = {}
        for r, rule in enumerate(self.rules):
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
        allowed = [(s, e) for s, e, entry in raw if entry.severity == "allow"]
        raw += self._proximity(norm, allowed)
        hits = []
        for s, e, entry in raw:
            if entry.severity == "allow" or any(a <= s and e <= b for a, b in allowed):
                continue
            hits.append(Hit(entry, origin[s], origin[e - 1] + 1, _negated(norm, s, e, entry.category)))
        # A negated long phrase also covers its parts: "不保本保息" must not leave "保息" behind.
        return [h for h in _longest(hits) if include_negated or not h.negated]

    def _proximity(self, norm: str, allowed: list[tuple[int, int]]) -> list[tuple[int, int, LexiconEntry]]:
        """Claims in ``norm``; a cue inside an allowed term ("一定年限") makes none."""
        def free(s: int, e: int) -> bool:
            return not any(a <= s and e <= b for a, b in allowed)

        seen: dict[int, list[tuple[int, int]]] = {}
        firsts: list[tuple[int, int, int]] = []  # (rule, start, end)
        out = []
        for end, (length, roles) in self._cues.iter(norm):
            start = end - length + 1
            if not free(start, end + 1):
                continue
            for r, side in roles:
                if side == 0:
                    firsts.append((r, start, end + 1))
                else:
                    seen.setdefault(r, []).append((start, end + 1))
        for r, fs, fe in firsts:
            rule = self.rules[r]
            second = next(((ss, se) for ss, se in seen.get(r, []) if _claims(rule, norm, fs, fe, ss, se)), None)
            if second is not None:
                out.append((fs, second[1], LexiconEntry(norm[fs:second[1]], rule.category, rule.severity, rule.rule)))
        return out


@cache
def default_claim_rules() -> tuple[ClaimRule, ...]:
    """The project's claim rules, ``data/compliance/claims.toml`` (loaded once per process)."""
    return load_claim_rules(DATA / "claims.toml")


@cache
def default_lexicon() -> Lexicon:
    """The project's lexicon, ``data/compliance/lexicon.tsv`` (loaded once per process)."""
    return Lexicon.from_tsv(DATA / "lexicon.tsv")


def _longest(hits: list[Hit]) -> list[Hit]:
    """Drop hits inside a longer hit of the same category (保本 inside 保本保息)."""
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Hit] = []
    for h in hits:
        if any(k.start <= h.start and h.end <= k.end and k.entry.category == h.entry.category for k in kept):
            continue
        kept.append(h)
    return kept
