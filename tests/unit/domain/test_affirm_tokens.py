"""Agreeing to a held operation is recognised however it is worded, and nothing else reads as agreement."""
import pytest

from domain.dialogue import affirms


@pytest.mark.parametrize("text", ["是的 确认", "确认无误，转吧", "好的那就提交吧", "转吧", "确认", "嗯嗯", "那就这样办吧",
                                  "是我本人操作", "对，帮我转", "ok", "可以的"])
def test_agreement(text):
    assert affirms(text)


@pytest.mark.parametrize("text", ["不确认", "取消", "确认一下我的余额", "可以转多少", "我要转账", "好的谢谢", "no", "转给谁"])
def test_not_agreement(text):
    assert not affirms(text)
