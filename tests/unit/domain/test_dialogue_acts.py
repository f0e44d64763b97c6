import pytest

from domain.dialogue import asks_specific, referenced_position, social_act


@pytest.mark.parametrize("text,position", [
    ("这个产品保本吗", 0), ("它安全吗", 0), ("第二个呢", 1), ("那个怎么买", 0),
    ("要先做那个测评吗", None), ("这个流程要多久", None), ("那个验证码能告诉别人吗", None),
])
def test_a_pointer_before_a_non_product_noun_points_to_no_offered_product(text, position):
    assert referenced_position(text) == position


@pytest.mark.parametrize("text,specific", [
    ("想带款 怎么弄", False), ("我想贷款", False), ("贷款如何申请", False), ("提前还款怎么申请", True),
    ("贷款要什么材料", True), ("利率多少", True), ("怎么申请装修贷款", True),
    # a yes/no question is one with or without its question mark
    ("我是个体户，没有工资流水，能贷款吗", True), ("自由职业可以申请吗？", True), ("我就是想贷款嘛", False), ("吗啡", False),
])
def test_how_to_get_it_at_all_is_still_the_bare_wish(text, specific):
    assert asks_specific(text) is specific


@pytest.mark.parametrize("text,act", [("好的 多谢🙏", "thanks"), ("👋你好", "greeting"), ("拜拜👋🏻", "goodbye")])
def test_emoji_do_not_hide_a_social_act(text, act):
    assert social_act(text) == act


@pytest.mark.parametrize("text,act", [("謝謝你 幫了大忙", "thanks"), ("明白了谢谢", "thanks"), ("懂了谢谢", "thanks"), ("算了 不贷了 拜拜", "goodbye"), ("算了", None),
                                      ("不办了", None)])
def test_dropping_the_matter_is_social_only_beside_thanks_or_a_goodbye(text, act):
    assert social_act(text) == act


@pytest.mark.parametrize("text,procedure", [
    ("预留手机号还能改吗", True), ("信用卡额度可以调高吗", True), ("我想问一下怎么改预留手机号", True),
    ("能不能帮我提额", False), ("我想解冻银行卡，可以吗", False), ("我要改预留手机号", False),
    ("额度能提到5万吗", False), ("可以帮忙挂失吗", False),
])
def test_whether_it_can_be_done_is_a_question_not_the_request(text, procedure):
    from domain.dialogue import asks_procedure

    assert asks_procedure(text) is procedure


@pytest.mark.parametrize("text,act", [
    ("您好啊，打扰您了，早上好！我年纪大了不太会用这个手机聊天，先跟您打个招呼。", "greeting"),
    ("好的好的，非常感谢您这么耐心地给我解答，祝您工作顺利，再见了", "goodbye"),
    ("谢谢你刚才的解答", "thanks"),
    ("谢谢，我要转账5万", None), ("谢谢你们 我还想问问贷款吗", None),
])
def test_a_social_act_said_at_length_is_read_when_it_asks_nothing(text, act):
    from domain.dialogue import social_lean
    assert social_lean(text) == act


def test_886_is_goodbye():
    assert social_act("知道了 886") == "goodbye"


@pytest.mark.parametrize("text,agrees", [
    ("确认 就是这个", True), ("对，确认提额到10万", True), ("确认，就是要改", True),
    ("10万", False), ("不是这个", False), ("这个不对", False),
])
def test_agreement_may_point_at_the_request_or_restate_its_figure(text, agrees):
    from domain.dialogue import affirms
    assert affirms(text) is agrees


@pytest.mark.parametrize("text,products", [
    ("我想办一张信用卡，需要什么条件", False), ("有什么理财产品", True), ("想要什么样的理财", True),
])
def test_what_it_takes_to_get_a_product_is_no_request_for_the_list(text, products):
    from domain.dialogue import asks_for_products
    assert asks_for_products(text) is products


@pytest.mark.parametrize("text,position", [("换成等额本金，第一个月要还多少", None), ("第二个怎么样", 1)])
def test_the_first_month_is_no_product_pointed_at(text, position):
    assert referenced_position(text) == position


@pytest.mark.parametrize("text,nothing", [
    ("？？？", True), ("asdfghjkl", True), ("那个……就是……嗯", True),
    ("hello", False), ("mortgage rate", False), ("红烧肉怎么做", False),
])
def test_a_turn_with_nothing_to_understand_is_told_apart_from_one_out_of_scope(text, nothing):
    from domain.dialogue import unintelligible
    assert unintelligible(text) is nothing


@pytest.mark.parametrize("text,failed", [
    ("你怎么又答非所问", True), ("你到底能不能听懂？", True), ("你根本听不懂我说什么", True),
    ("我看不懂这个条款", False), ("这条款我看不懂", False), ("你说的我听不懂", False),
])
def test_the_customer_saying_the_bot_does_not_understand_is_told_apart_from_not_understanding_a_document(text, failed):
    from domain.dialogue import says_bot_failed
    assert says_bot_failed(text) is failed
