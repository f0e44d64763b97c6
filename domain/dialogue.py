"""Dialogue acts the bank's assistant recognises besides business tasks, as cue lexicons: the
conversation-repair patterns (greeting, thanks, goodbye, identity, capability, affirm, deny,
cancel, correction) and how a customer asks *how* to do something rather than asks it done.

Cues are matched on ``domain.text.normalise``d text (simplified, half-width, lower case), as
whole-utterance patterns or as phrases, never on a single sentence.
"""
from __future__ import annotations

import re

from domain.text import normalise

_P = r"[\s,，。.!！?？~～、…]*"

# Social phrases; an utterance made only of them (and fillers) is a social act, named by its last one.
SOCIAL_PHRASES = {
    "greeting": r"你好|您好|你们好|大家好|hi|hello|hey|嗨|哈喽|哈啰|在吗|在不在|在么|在嘛|有人吗|有人在吗|有没有人|喂|"
                r"早上好|上午好|中午好|下午好|晚上好|早安|午安|晚安|早|nihao|nh|请问",
    "thanks": r"谢谢(你|您)?(的)?(帮助|帮忙|解答)|谢谢|多谢|感谢|谢了|谢啦|非常感谢|太感谢了|thanks|thank you|thx|ty|3q|辛苦了|麻烦你了|麻烦了|"
              r"帮(了我)?(大忙|大忙了)|帮了大忙|很有帮助|太有用了|有用|给力|真棒|太好了",
    "goodbye": r"再见|拜拜|拜|bye|byebye|bye bye|886|88|回头见|下次见|没事了|(暂时|目前)?没(有)?(其他|其它|别的|什么)?(问题|事|事情|需要)?了|"
               r"没问题了|就这些了?|"
               r"就这样吧?|先这样吧?|不用了|(问题|事情|事儿?)?(已经|都)?(解决|搞定|处理好|弄好|办好)了",
}
FILLERS = r"好的|好|嗯+|哦+|噢|行|ok|okay|明白了?|知道了|了解了?|懂了|收到|你|您|我|啦|了|哈+|呀|啊|鸭|吧|的|呢|小助手|客服|机器人|朋友"
# A report of something already done ("已经挂失了") is social only beside thanks or a goodbye: alone
# ("我已经转账了") it may be a fraud victim's first words.
DONE_REPORT = r"(我)?(已经|都|也)[^?？吗么呢]{1,8}了"
# Dropping the matter ("算了 不贷了") is likewise social only beside thanks or a goodbye: alone it may cancel
# an operation awaiting confirmation.
DROPPED = r"算了|不(贷|借|办|买|要|弄|问|存|转|用|需要)了|先不(贷|借|办|买|要|弄)了?|不用了"
_SOCIAL_TOKEN = re.compile("|".join(f"(?P<{act}>{p})" for act, p in SOCIAL_PHRASES.items())
                           + f"|(?P<filler>{FILLERS})|(?P<done>{DONE_REPORT}|{DROPPED})|(?P<space>[\\s,，。.!！?？~～、…]+)")
# A question about who answers ("你是机器人吗", "还是真人在回") — not a request for a human ("我要真人").
IDENTITY = re.compile(r"(你|您)(是|是不是|到底是)(个|一个)?(机器人|人工智能|ai|真人|人|程序|bot|谁|什么)|你叫什么|"
                      r"(你|您)们(是|是不是|到底是)(机器人|人工智能|ai|真人)|(真人|人工)(客服)?还是(机器人|人工智能|ai)|"
                      r"(机器人|ai)还是(真人|人工)|"
                      r"(?<!转)(?<!转个)真人(吗|么|嘛|莫|在回|回复)|机器人(吗|么|嘛|莫|回复|在回)|自动回复|是不是人|是人吗|"
                      r"智能客服吗|are you (a )?(human|real|bot|robot|ai)|who are you|r u (a )?(bot|robot|human)")
# Asking for a person, wherever in the turn ("我的卡被盗刷了，给我转人工"); "不用转人工" is not asking.
HUMAN_REQUEST = re.compile(r"(?:转|接|找|叫|换|给我转|要求转)(?:一下|个|一个|你们的?)?(?:人工|真人|坐席|客服经理|值班经理|你们经理|主管)"
                           r"(?!审核|审批|核实|复核|签字|智能)|(?:我要|我想要|要求|需要)(?:个|一个)?(?:人工|真人)(?:客服)?"
                           r"(?=$|[,，。!！?？\s]|服务吧)|^(?:人工|人工客服|转人工)$|\breal person\b|"
                           r"(?:让|叫|请)(?:你们的?)?(?:经理|主管|领导|负责人|人工|真人|值班经理)(?:来|出来|过来|跟我|和我|给我|接|联系我)|"
                           r"(?:我要|我想|让我|要求)(?:跟|和|与)(?:你们的?(?:经理|主管|领导|负责人)|人工|真人)"
                           r"(?:通话|说|谈|聊|沟通|讲)|"
                           r"转(?:给|接)(?!了)[^,，。!！?？了]{0,8}(?<!自称)(?:客服|专员|坐席|人工)|"
                           r"(?:请|麻烦|给我|帮我)回拨|回拨(?:给)?我|给我回(?:个)?电话(?!吗)|回我电话|"
                           r"\b(?:talk|speak) to (?:a |an )?(?:human|person|agent|real person)\b")
# "不想转人工", "别给我转人工", "no need for a human": a request named only to be declined.
HUMAN_DECLINED = re.compile(r"(?:不想|不用|不要|别|不必|无需|先不|不需要|没必要|用不着)[^,，。!！?？]{0,4}$|\bno need\b|\bdon'?t\b")
CAPABILITY = re.compile(r"你(能|会|可以)(做|干|帮我?(做|办)?)什么|能帮(我|上)?什么|有(哪些|什么)功能|你都会什么|"
                        r"what can you do")
# Agreeing is an utterance made only of agreement words, the operation's own verbs and particles
# ("是的 确认", "确认无误，转吧", "好的那就提交吧"), with at least one agreement word or a verb + 吧.
_AGREE = (r"是我本人操作|是我本人|本人操作|就这样办|这样办|就是这个|就这个|就是它|就它|是的|是啊|是|对的|对啊|对|没错|确认|确定|好的|好啊|好|可以|行|嗯+|"
          r"okay|ok|yes|confirm(?:ed)?|go ahead|proceed|sure|同意|没问题|无误|正确|继续")
_ACTION = r"办理|办|提交|修改|更改|转账|转|解冻|提额|操作|执行|申请|提|调|改|换|弄"
_AFFIRM_TOKEN = re.compile(rf"(?P<agree>{_AGREE})|(?P<act>(?:{_ACTION})(?:吧|啊|呀)+)|(?:{_ACTION})|"
                           r"(?:的|吧|啊|呀|了|呢|那就|就是要|就是|就要|要|那|就|请|帮我|给我|马上|赶紧|我)+|"
                           r"(?:到|成|为)?\d+(?:\.\d+)?(?:万|元|块|w|k)?|[\s,，。.!！?？~～、…]+")
DENY = re.compile(rf"^{_P}(不|不是|不对|否|no|不用|不要|不需要|先不|暂时不)(了|用|要|办|啦|吧)*{_P}$")
CANCEL = re.compile(r"算了|取消|不办了|不要了|不弄了|先不办|不用办了|不需要了|撤销|别办了|不想办了")
CORRECTION = re.compile(r"^(不对|不是|错了|说错了|搞错了|更正|改一下|改成|应该是)")
# How something is done (a procedure), as opposed to asking the bank to do it.
ASKS_HOW = re.compile(r"怎么|怎样|如何|咋|流程|步骤|需要(什么|哪些)|要(带|准备)(什么|哪些)|在哪|哪里(办|改|操作)|"
                      r"能不能自己|可以自己|自助|要多久|多长时间|"
                      r"(?<![我想])(要|得)(什么|哪些|啥)(?!时候|样)|(什么|啥|哪些)(条件|要求|门槛)|条件是|门槛")
# People a customer sends money to or acts for ("转10万给我爸"): 给我 before them asks nothing done.
KIN = r"爸|妈|老公|老婆|爱人|儿子|女儿|孩子|哥|姐|弟|妹|家人|父母|朋友|同学|同事|对象|爷|奶|外公|外婆|公司|客户|供应商"
FOR_ME = r"帮我|给我(?!" + KIN + r")|替我|为我"  # the bank asked to act for the customer
ASKS_DONE = re.compile(FOR_ME + r"|请(您|你)?(帮|给|把|将)|我要|我想|我需要|申请|马上|立即|现在就|把我的?|"
                       r"直接|办一下|处理一下")


def social_act(text: str) -> str | None:
    """greeting / thanks / goodbye / identity / capability when that is all the utterance does."""
    norm = normalise(text)
    act, position = None, 0
    while position < len(norm):
        m = _SOCIAL_TOKEN.match(norm, position)
        if m is None or m.end() == position:
            break
        kind = m.lastgroup
        if kind in SOCIAL_PHRASES:
            act = kind
        position = m.end()
    if position >= len(norm) and act is not None:
        return act
    if len(norm) <= 30 and IDENTITY.search(norm):
        return "identity"
    if len(norm) <= 30 and CAPABILITY.search(norm):
        return "capability"
    return None


# The plain words of each social act, for a turn that wraps one in more words than SOCIAL_PHRASES allow.
SOCIAL_WORDS = {"greeting": r"你好|您好|早上好|上午好|下午好|晚上好|打个招呼|问个好|问声好",
                "thanks": r"谢谢|感谢|多谢|谢了|辛苦(了|您|你)",
                "goodbye": r"再见|拜拜|886|\bbye\b"}
ASKS_SOMETHING = re.compile(r"[?？]|[吗么嘛](?=$|[\s,，。.!！~～])|怎么|怎样|如何|什么|多少|哪|几|能不能|可不可以|是否|有没有|帮我|我要|我想|\d")


def social_lean(text: str) -> str | None:
    """The social act of a turn that says it at length and asks nothing ("好的好的，非常感谢您这么耐心地给我解答，
    祝您工作顺利，再见了", "您好啊，打扰您了…先跟您打个招呼"): its last greeting, thanks or goodbye. Only for a
    turn the model read as small talk (sarcastic thanks inside a complaint is no thanks)."""
    norm = normalise(text)
    if ASKS_SOMETHING.search(norm):
        return None
    said = [(m.start(), act) for act, words in SOCIAL_WORDS.items() for m in re.finditer(words, norm)]
    return max(said)[1] if said else None


# Sounds that carry no request ("那个……就是……嗯", "？？？", "asdfghjkl"): what is left without them says nothing.
HESITATION = re.compile(r"那个|这个|就是|然后|嗯+|啊+|呃+|额+|哦+|唔+|emm+|hmm+|[\s,，。.!！?？~～、…\-_=+*/\\]+")
LATIN_RUN = re.compile(r"[a-z]{4,}")


def unintelligible(text: str) -> bool:
    """A turn with nothing to understand: only hesitation and punctuation, or one run of letters that is no
    social word ("asdfghjkl"). Asked to rephrase, not told the topic is out of scope."""
    norm = normalise(text)
    rest = HESITATION.sub("", norm)
    return not rest or (LATIN_RUN.fullmatch(rest) is not None and len(norm.split()) == 1 and social_act(norm) is None)


# Words for a person to talk to: a reading of "asks for a person" needs one of them unless the model is sure.
PERSON_WORD = re.compile(r"人工|真人|客服|坐席|专员|经理|主管|领导|负责人|(?<![a-z])z?rg(?![a-z])|(?<![a-z])(?:human|agent|person|operator)(?![a-z])")


# Someone who contacted the customer ("有个快递客服联系我", "自称客服经理"), not a person asked for.
PERSON_REPORTED = re.compile(r"(有个|有一个|自称|冒充|假)[^,，。!！?？]{0,4}(客服|经理|专员|人工|坐席)")


def names_a_person(text: str) -> bool:
    norm = normalise(text)
    return PERSON_WORD.search(norm) is not None and PERSON_REPORTED.search(norm) is None


# The customer says the bot is not understanding ("你怎么又答非所问", "你到底能不能听懂？"): repeated failure, from
# their side, so a person takes over.
BOT_FAILED = re.compile(r"答非所问|你[^,，。!！?？我]{0,4}(听|看)不懂|听不懂(我|人话)|能不能听懂|你[^,，。!！?？我]{0,4}没(听|看)懂|"
                        r"牛头不对马嘴|驴唇不对马嘴|鸡同鸭讲|不是我问的|you (don'?t|do not) understand")


def says_bot_failed(text: str) -> bool:
    return BOT_FAILED.search(normalise(text)) is not None


def wants_human(text: str) -> bool:
    norm = normalise(text)
    return any(HUMAN_DECLINED.search(norm[:m.start()]) is None for m in HUMAN_REQUEST.finditer(norm))


def opens_with_greeting(text: str) -> bool:
    return bool(re.match(r"^\s*(你好|您好|hi|hello|嗨|哈喽|在吗)", normalise(text)))


def asks_done(text: str) -> bool:
    """"帮我改成…", "我要办": the customer asks the bank to do it."""
    return ASKS_DONE.search(normalise(text)) is not None


# A figure in a yes must come with an explicit confirmation ("对，确认提额到10万"); "好，改成8万" and "对 3万"
# change the request rather than agree to it.
FIRM_YES = re.compile(r"确认|确定|无误")
CHANGES = re.compile(r"改成|换成|改为|变成|改到|调成")


def affirms(text: str) -> bool:
    norm, position, agreed = normalise(text), 0, False
    if re.search(r"\d", norm) and (not FIRM_YES.search(norm) or CHANGES.search(norm)):
        return False
    while position < len(norm):
        m = _AFFIRM_TOKEN.match(norm, position)
        if m is None or m.end() == position:
            return False
        agreed = agreed or m.lastgroup in ("agree", "act")
        position = m.end()
    return agreed


def denies(text: str) -> bool:
    norm = normalise(text)
    return bool(DENY.match(norm) or CANCEL.search(norm))


def cancels(text: str) -> bool:
    return bool(CANCEL.search(normalise(text)))


def corrects(text: str) -> bool:
    return bool(CORRECTION.match(normalise(text)))


# Whether it can be done at all ("预留手机号还能改吗", "额度可以调高吗"): a question, not the request.
ASKS_POSSIBLE = re.compile(r"(还|也)?(能|可以|可不可以|能不能)[^,，。!！?？]{0,6}(吗|么|嘛)[?？]?$|能不能[^,，。]{0,6}[?？]$")


def asks_procedure(text: str) -> bool:
    """"提额怎么操作" and "预留手机号还能改吗" ask how or whether; "帮我把额度提高到5万" (and "能不能帮我提额",
    "我要改手机号，可以吗") ask it done."""
    norm = normalise(text)
    if re.search(FOR_ME, norm):  # "转10万给我爸" names a recipient, not a request
        return False
    # a target figure or 帮忙 makes "能…吗" a request ("额度能提到5万吗", "可以帮忙挂失吗")
    return bool(ASKS_HOW.search(norm)) or (ASKS_POSSIBLE.search(norm) is not None
                                          and not re.search(r"我要|我想|申请|帮忙|\d", norm))


# Asking for products to choose from ("有什么理财产品", "推荐一款保险"), as opposed to asking how
# something works ("理赔要什么材料"), which an FAQ answers.
PRODUCT_REQUEST = re.compile(r"(有没有|有哪些|有什么|有啥|哪些|推荐|介绍一?下?|哪款|哪一款|哪个|哪种|什么样的|适合我?的|"
                             r"买什么|买哪|想买|想办|想存|想要一?[个款份张])[^,，。?？!！]{0,10}"
                             r"(产品|理财|基金|保险|险|贷款|贷|信用卡|卡|存款|存单|定期)|"
                             r"(产品|理财|基金|保险|险|贷款|信用卡|存单)(有哪些|有什么|有吗|有没有|有啥|推荐|选哪)(?!区别|不同|差别|差异|两样)")


# Someone else recommending ("柜员推荐我买保险") is reported, not the customer asking for products.
THIRD_PARTY_PUSH = re.compile(r"(柜员|经理|客户经理|理财经理|业务员|销售|工作人员|(?<!其)他|她|别人|朋友|同事|对方|亲戚)"
                              r"(一直|总|总是|极力|非要|强烈|老是)?(推荐|推销|让我买|劝我买)")


ASKS_TERMS = re.compile(r"(什么|哪些|啥)(条件|要求|材料|资料|手续)|条件是|门槛|流程|步骤")


def asks_for_products(text: str) -> bool:
    norm = normalise(text)
    # "我想办一张信用卡，需要什么条件" asks what it takes, for the FAQ
    return bool(PRODUCT_REQUEST.search(norm)) and not THIRD_PARTY_PUSH.search(norm) and not ASKS_TERMS.search(norm)


# A question about something specific ("要什么材料", "利率多少"), as opposed to a bare wish ("我想贷款",
# "想dk 能办吗"), which the assistant answers by asking what the customer needs.
# A question mark, or the particle that does its work when none is typed ("个体户能贷款吗"; not 嘛,
# which ends statements too: "我就是想贷款嘛").
SPECIFIC_QUESTION = re.compile(r"多少|怎么|怎样|如何|什么|哪|几|多久|多长|是否|有没有|区别|条件|材料|流程|利率|额度|期限|"
                               r"征信|逾期|审批|放款|提前|还款|公积金|房贷|车贷|经营贷|抵押|担保|[?？]|吗(?=$|[\s,，。!！])")


# "怎么弄", "如何申请": how to get it at all, which is still the bare wish.
GENERIC_HOW = re.compile(r"(怎么|怎样|如何|咋)(弄|办理?|申请|搞|操作|贷|借|整)?(呢|啊|呀|啦)?(?=$|[\s,，。!！?？])")


def asks_specific(text: str) -> bool:
    return bool(SPECIFIC_QUESTION.search(GENERIC_HOW.sub(" ", normalise(text))))


# A reference back to something the assistant offered: an ordinal ("第二个", "最后一款") or a pointer
# ("这个", "它", "该产品"). Ordinals are 1-based in speech; -1 is the last.
ORDINAL = re.compile(r"第\s*([一二三四五六七八九1-9])\s*[个款只支种项](?!月|季度|星期|工作日|小时)|(最后|末尾)[一1]?[个款只支种项](?!月)")
POINTER = re.compile(r"这个|那个|这款|那款|这只|那只|这支|那支|它|该产品|上面的?|刚才(说|推荐|介绍)的|你说的")
# "那个测评", "这个流程": the pointer names something that is not a product.
NOT_A_PRODUCT = re.compile(r"测评|问卷|评估|手续|材料|流程|步骤|问题|事|情况|链接|电话|号码|验证码|短信|网点|app|页面|功能|"
                           r"规定|政策|活动|说法|意思|时间|月|人|客服|经理|账户|密码|业务|操作")
CN_ORDINALS = "一二三四五六七八九"


def referenced_position(text: str) -> int | None:
    """Which offered item ``text`` points back to (0-based, -1 for the last), None when it points to none."""
    norm = normalise(text)
    m = ORDINAL.search(norm)
    if m is not None:
        if m.group(2):
            return -1
        n = m.group(1)
        return (CN_ORDINALS.index(n) + 1 if n in CN_ORDINALS else int(n)) - 1
    pointing = (m for m in POINTER.finditer(norm) if not NOT_A_PRODUCT.match(norm, m.end()))
    return 0 if next(pointing, None) is not None else None
