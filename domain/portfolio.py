"""Asset diagnosis and volatility-triggered rebalancing advice, exact to the fen.

Diagnosis: holdings are merged by product id (or category when there is none); allocation is
given by category and by risk level, with shares in percent rounded half-up to 0.01 for display
(so they may not add up to exactly 100.00). A holding above 40% of the total is a concentration
warning (compared exactly, before rounding); a holding whose risk level is above the customer's
C level is flagged. A catalogue entry, when the product id is found, gives the category (its
``subtype``) and the risk level, overriding what the holding says.

Rebalancing: only when a market index moved by at least ``threshold_pct`` (default 3%) either way,
and only when some risk level deviates from its target by more than ``band_pct`` (default 5
percentage points) or sits above the customer's level. Targets by risk level, in percent of the
risk-rated holdings (unrated ones are left alone):

    C1: R1 100
    C2: R1 40, R2 60
    C3: R1 20, R2 50, R3 30
    C4: R1 10, R2 30, R3 35, R4 25
    C5: R1 5,  R2 25, R3 30, R4 25, R5 15

Target amounts are rounded half-up to the fen, the customer's highest level absorbing the
residue so that the moves sum to zero. Levels above C have target 0; buy candidates come only
from ``suitability.suitable``, so nothing above C is ever suggested.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from domain.repayment import to_fen, yuan
from domain.risk import customer_rank, level_rank, suitable

RISK_LEVELS = ("R1", "R2", "R3", "R4", "R5")
UNRATED = "未评级"
UNCATEGORISED = "未分类"
CONCENTRATION_LIMIT = Decimal("0.4")
VOLATILITY_THRESHOLD_PCT = Decimal(3)
REBALANCE_BAND_PCT = Decimal(5)
MAX_CANDIDATES = 3
TARGET_ALLOCATION: dict[str, dict[str, Decimal]] = {
    "C1": {"R1": Decimal(100)},
    "C2": {"R1": Decimal(40), "R2": Decimal(60)},
    "C3": {"R1": Decimal(20), "R2": Decimal(50), "R3": Decimal(30)},
    "C4": {"R1": Decimal(10), "R2": Decimal(30), "R3": Decimal(35), "R4": Decimal(25)},
    "C5": {"R1": Decimal(5), "R2": Decimal(25), "R3": Decimal(30), "R4": Decimal(25), "R5": Decimal(15)},
}
PORTFOLIO_DISCLAIMER = "以上仅为资产配置参考，不构成投资建议。理财非存款，产品有风险，投资须谨慎。"


@dataclass(frozen=True)
class Holding:
    key: str  # product id, or the category when there is none
    category: str
    risk_level: str  # R1..R5 or 未评级
    amount: Decimal


@dataclass(frozen=True)
class Allocation:
    key: str
    amount: Decimal
    share_pct: Decimal  # of the total, rounded half-up to 0.01


@dataclass(frozen=True)
class Diagnosis:
    customer_level: str
    total: Decimal
    by_category: tuple[Allocation, ...]  # largest first
    by_risk: tuple[Allocation, ...]  # R1..R5, then 未评级
    concentrated: tuple[Allocation, ...]  # single holdings above 40%
    above_level: tuple[Allocation, ...]  # holdings riskier than the customer's level


@dataclass(frozen=True)
class Candidate:
    product_id: str
    name: str
    risk_level: str


@dataclass(frozen=True)
class Move:
    risk_level: str
    current: Decimal
    target: Decimal
    change: Decimal  # target − current: positive buy, negative reduce
    candidates: tuple[Candidate, ...] = ()  # only for buys, only R ≤ C


@dataclass(frozen=True)
class RebalanceAdvice:
    customer_level: str
    index: str
    change_pct: Decimal
    triggered: bool  # the move reached the threshold
    base: Decimal  # the risk-rated holdings being rebalanced
    moves: tuple[Move, ...]


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"holding amount {value!r} is not a number") from exc
    if not amount.is_finite() or amount < 0 or to_fen(amount) != amount:
        raise ValueError(f"holding amount {value!r} must be non-negative and in whole fen")
    return amount


def holdings(records: Iterable[Mapping[str, Any]],
             catalogue: Iterable[Mapping[str, Any]] = ()) -> list[Holding]:
    """Normalised holdings, merged by key, with category and risk level from the catalogue if known."""
    products = {p["id"]: p for p in catalogue if "id" in p}
    merged: dict[str, Holding] = {}
    for record in records:
        product = products.get(record.get("product_id") or "")
        key = record.get("product_id") or record.get("category")
        if not key:
            raise ValueError("a holding needs a product_id or a category")
        category = (product or {}).get("subtype") or record.get("category") or UNCATEGORISED
        risk = (product or {}).get("risk_level") or record.get("risk_level")
        risk = f"R{level_rank(risk, 'R')}" if level_rank(risk, "R") else UNRATED
        amount = _amount(record.get("amount"))
        if key in merged:
            amount += merged[key].amount
        merged[key] = Holding(key, category, risk, amount)
    return list(merged.values())


def _share(amount: Decimal, total: Decimal) -> Decimal:
    return (amount * 100 / total).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal(0)


def diagnose(records: Iterable[Mapping[str, Any]], customer_level: str,
             catalogue: Iterable[Mapping[str, Any]] = ()) -> Diagnosis:
    """Allocation by category and risk level, concentration warnings and holdings above C."""
    rank = customer_rank(customer_level)
    items = holdings(records, catalogue)
    total = sum((h.amount for h in items), Decimal(0))
    by_category: dict[str, Decimal] = {}
    by_risk: dict[str, Decimal] = {}
    for h in items:
        by_category[h.category] = by_category.get(h.category, Decimal(0)) + h.amount
        by_risk[h.risk_level] = by_risk.get(h.risk_level, Decimal(0)) + h.amount
    risk_order = [level for level in (*RISK_LEVELS, UNRATED) if level in by_risk]
    return Diagnosis(
        f"C{rank}", total,
        tuple(Allocation(k, v, _share(v, total)) for k, v in sorted(by_category.items(), key=lambda kv: -kv[1])),
        tuple(Allocation(k, by_risk[k], _share(by_risk[k], total)) for k in risk_order),
        tuple(Allocation(h.key, h.amount, _share(h.amount, total)) for h in items
              if total and h.amount > total * CONCENTRATION_LIMIT),
        tuple(Allocation(h.key, h.amount, _share(h.amount, total)) for h in items
              if h.risk_level != UNRATED and int(h.risk_level[1]) > rank),
    )


def target_amounts(base: Decimal, customer_level: str) -> dict[str, Decimal]:
    """Target amount per risk level R1..R5 for ``base`` yuan; the highest allowed level takes the residue."""
    level = f"C{customer_rank(customer_level)}"
    table = TARGET_ALLOCATION[level]
    targets = {r: Decimal(0) for r in RISK_LEVELS}
    for r, pct in table.items():
        targets[r] = to_fen(base * pct / 100)
    last = max(table)
    targets[last] = base - sum((v for r, v in targets.items() if r != last), Decimal(0))
    return targets


def rebalance(records: Iterable[Mapping[str, Any]], customer_level: str, event: Mapping[str, Any],
              catalogue: Iterable[Mapping[str, Any]] = (), threshold_pct: Decimal = VOLATILITY_THRESHOLD_PCT,
              band_pct: Decimal = REBALANCE_BAND_PCT) -> RebalanceAdvice:
    """Moves toward the target allocation of ``customer_level`` after a market move ``event``
    ({"index": "沪深300", "change_pct": -3.5}); no moves below the threshold or within the band."""
    level = f"C{customer_rank(customer_level)}"
    catalogue = list(catalogue)
    change = Decimal(str(event.get("change_pct", 0)))
    index = str(event.get("index", "市场指数"))
    rated = [h for h in holdings(records, catalogue) if h.risk_level != UNRATED]
    base = sum((h.amount for h in rated), Decimal(0))
    if abs(change) < threshold_pct or base == 0:
        return RebalanceAdvice(level, index, change, abs(change) >= threshold_pct, base, ())
    current = {r: sum((h.amount for h in rated if h.risk_level == r), Decimal(0)) for r in RISK_LEVELS}
    targets = target_amounts(base, level)
    allowed = TARGET_ALLOCATION[level]
    drifted = any(r not in allowed and current[r] > 0 for r in RISK_LEVELS) or any(
        abs(current[r] - targets[r]) * 100 > band_pct * base for r in RISK_LEVELS)
    if not drifted:
        return RebalanceAdvice(level, index, change, True, base, ())
    offer = suitable(catalogue, level)
    moves = []
    for r in RISK_LEVELS:
        delta = targets[r] - current[r]
        if delta == 0:
            continue
        picks = tuple(Candidate(p["id"], p.get("name", p["id"]), r) for p in offer
                      if level_rank(p.get("risk_level"), "R") == int(r[1]))[:MAX_CANDIDATES] if delta > 0 else ()
        moves.append(Move(r, current[r], targets[r], delta, picks))
    return RebalanceAdvice(level, index, change, True, base, tuple(moves))


def render_diagnosis(diagnosis: Diagnosis) -> str:
    """Chinese summary of the diagnosis with exact amounts."""
    if diagnosis.total == 0:
        return "暂未查询到您的持仓资产。"
    cats = "；".join(f"{a.key}{yuan(a.amount)}元（占{a.share_pct:.2f}%）" for a in diagnosis.by_category)
    risks = "；".join(f"{a.key if a.key == UNRATED else a.key + '级'}产品{yuan(a.amount)}元（占{a.share_pct:.2f}%）"
                     for a in diagnosis.by_risk)
    parts = [f"您的持仓合计{yuan(diagnosis.total)}元。按类别：{cats}。按风险等级：{risks}。"]
    for a in diagnosis.concentrated:
        parts.append(f"{a.key}占比{a.share_pct:.2f}%，超过40%，持仓较为集中，可考虑适当分散。")
    if diagnosis.above_level:
        names = "、".join(f"{a.key}（{yuan(a.amount)}元）" for a in diagnosis.above_level)
        parts.append(f"{names}的风险等级高于您当前的风险承受能力等级{diagnosis.customer_level}，请留意相关风险。")
    return "".join(parts) + PORTFOLIO_DISCLAIMER


def render_rebalance(advice: RebalanceAdvice) -> str:
    """Chinese rebalancing advice with exact amounts; never names a product above the customer's level."""
    direction = "上涨" if advice.change_pct > 0 else "下跌"
    head = f"{advice.index}{direction}{abs(advice.change_pct):.2f}%"
    if not advice.triggered:
        return f"{head}，波动未达到调整提示的幅度，您可继续按原有计划持有。" + PORTFOLIO_DISCLAIMER
    if not advice.moves:
        return f"{head}，您当前的配置与{advice.customer_level}对应的目标配置偏离不大，暂不需要调整。" + PORTFOLIO_DISCLAIMER
    lines = []
    for move in advice.moves:
        verb = "增加" if move.change > 0 else "减少"
        line = f"{move.risk_level}级产品{verb}{yuan(abs(move.change))}元（由{yuan(move.current)}元调整至{yuan(move.target)}元）"
        if move.candidates:
            line += "，可关注" + "、".join(c.name for c in move.candidates)
        lines.append(line)
    return (f"{head}，参考您的风险承受能力等级{advice.customer_level}对应的目标配置（按已评级持仓"
            f"{yuan(advice.base)}元计算），建议：" + "；".join(lines) + "。" + PORTFOLIO_DISCLAIMER)
