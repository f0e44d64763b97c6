"""Emotion of one turn: angry | negative | neutral | positive.

Evidence combined: a domain lexicon of strong and mild negative cues, intensifiers (repeated
"！" or "？"), positive cues, and the intent classifier's probability that the turn is a complaint.
Calm descriptions of bad events ("我的卡丢了怎么挂失") stay neutral: they carry no emotion cue.
"""
from __future__ import annotations

import re

from domain.grievance import MILD, POOR, RECURRING, STRONG
from domain.text import normalise

POSITIVE = ("谢谢", "感谢", "满意", "太好了", "不错", "给力", "辛苦了", "点赞", "好评", "专业", "很快", "解决了")
INTENSIFIER = re.compile(r"[!！]{2,}|[?？]{2,}|[!！][?？]|[?？][!！]")


DEMAND = re.compile(r"(马上|立刻|立即|赶紧|赶快|现在就)(给我)?(解决|处理|退|还|恢复|解封|赔)")
# Announcing a matter without saying it yet ("我想反映个情况", "有个问题想反馈一下"): no emotion shown so far, so
# the grievance that follows is the first, not a repeated one.
ANNOUNCES = re.compile(r"^(?:你好|您好)?[,，\s]*(?:我)?(?:"
                       r"(?:想|要)?(?:跟你们|向你们|和你们)?(?:反映|反馈|说|讲)(?:一下|下|一?个)?(?:情况|问题|事情?)?"
                       r"|有(?:一?个)?(?:情况|问题|事情?)(?:想|要)(?:跟你们|向你们|和你们)?(?:反映|反馈|说|讲)(?:一下|下)?"
                       r")[。.!！~～]*$")


def detect_emotion(text: str, complaint_probability: float = 0.0) -> str:
    t = normalise(text)
    if ANNOUNCES.match(t):
        return "neutral"
    strong = sum(cue in t for cue in STRONG)
    mild = sum(cue in t for cue in MILD) + len(RECURRING.findall(t)) + len(POOR.findall(t))
    positive = sum(cue in t for cue in POSITIVE)
    bursts = len(INTENSIFIER.findall(t))
    intense = bursts > 0
    negative_score = 2 * strong + mild + (1 if intense else 0) + (1 if complaint_probability >= 0.5 else 0)
    if strong and (intense or complaint_probability >= 0.5 or strong >= 2 or mild):
        return "angry"
    # Shouting more than once ("…了！！…吗？！") about a grievance is anger even in mild words, and so is
    # shouting a demand ("你们搞什么东西！…马上给我解决！！！").
    if (bursts >= 2 or (intense and DEMAND.search(t))) and (mild or complaint_probability >= 0.5):
        return "angry"
    if negative_score >= 1 and (strong or mild or complaint_probability >= 0.5):
        return "negative"
    if positive and not (strong or mild):
        return "positive"
    return "neutral"
