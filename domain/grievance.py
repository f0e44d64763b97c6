"""A customer's grievance with the bank, as cue lexicons: what the intent stage reads emotion from and
what keeps a complaint a complaint whatever the conversation was about."""
from __future__ import annotations

import re

from domain.text import normalise

STRONG = ("投诉", "曝光", "12378", "银保监", "金融监管", "监管局", "消协", "骗子", "垃圾", "破银行", "气死", "滚",
          "坑人", "太坑", "黑心", "无耻", "报警", "律师", "起诉", "赔钱", "赔偿", "受够", "什么玩意", "忍无可忍",
          "欺诈", "混蛋", "流氓", "媒体", "找记者", "差评", "去死", "太过分", "耍人", "耍我", "欺负人", "岂有此理",
          "当我傻", "当猴耍", "忽悠人", "什么破", "tmd", "他妈的", "尼玛", "cnm", "傻逼", "煞笔",
          # customers write English too (matched on lower-cased text)
          "complain", "ridiculous", "worst", "furious", "unacceptable", "outrageous", "scam", "sue ", "lawyer",
          "wtf", "disgusting", "pathetic", "fed up")
MILD = ("失望", "不满", "着急", "急死", "怎么回事", "为什么还", "一直没", "太慢", "太差", "很差", "烦", "无语",
        "离谱", "搞什么", "凭什么", "乱扣", "乱收", "莫名其妙", "又扣", "可真行", "能不能快点", "到底", "坑",
        "不合理", "被骗", "钱被转走", "盗刷", "受不了", "郁闷", "生气", "不靠谱", "敷衍", "踢皮球", "没人管",
        "很不方便", "太不方便", "真不方便", "不满意", "angry", "annoyed", "terrible", "awful", "disappointed", "useless", "still not", "why is",
        "so slow", "not happy", "unhappy", "keeps failing", "keeps logging")
# Something that keeps going wrong ("转账老失败", "又扣了", "还是登不上") is a grievance however calmly said.
RECURRING = re.compile(r"(老|总|又|一直|还是|经常|天天|每次|屡次|反复)(是)?(失败|不行|出错|报错|闪退|卡顿|卡死|登不上|登录不了|"
                       r"掉线|转不了|用不了|扣(?:了|错|多了)|没到账|不到账|打不通|没人接)")
# A verdict on the service itself ("体验挺差的", "app太难用").
POOR = re.compile(r"(体验|服务|态度|效率|系统|app|软件|客服)[^,，。!！?？不]{0,3}(差(?!不多|额|价)|烂|不好用|难用|不行)|"
                  r"效率[^,，。!！?？不]{0,3}低")


# Dissatisfaction with the bank's own service, as opposed to impatience in a question ("到底能不能…").
GRIEVANCE = ("不满", "不太满意", "失望", "太慢", "乱扣", "乱收", "敷衍", "踢皮球", "没人管", "很不方便", "太不方便", "凭什么", "又扣", "不合理", "骗我",
             "误导")


def voices_grievance(text: str) -> bool:
    t = normalise(text)
    return (any(cue in t for cue in STRONG) or any(cue in t for cue in GRIEVANCE)
            or RECURRING.search(t) is not None or POOR.search(t) is not None)
