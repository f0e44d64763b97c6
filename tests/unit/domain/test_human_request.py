"""Asking for a person, a manager or a callback is recognised however it is worded; mentioning one,
declining one or asking whether the bank calls is not asking."""
import pytest

from domain.dialogue import wants_human


@pytest.mark.parametrize("text", ["你做不了主 让你们经理来跟我说", "叫你们领导出来", "我要跟你们负责人通话",
                                  "请转给会说粤语的客服", "请给我转接信用卡专员", "回拨我电话吧 打字太麻烦",
                                  "麻烦帮我叫一下坐席", "转人工"])
def test_requests(text):
    assert wants_human(text)


@pytest.mark.parametrize("text", ["不用回电话", "银行会打电话给我吗", "我跟经理说过了", "不想转人工",
                                  "让经理审批一下额度", "你们经理说过能提额", "我收到一个回拨电话是不是诈骗",
                                  "银行会给我回电话吗", "我把钱转给了一个自称客服的人", "我想和领导说一下再决定"])
def test_not_requests(text):
    assert not wants_human(text)
