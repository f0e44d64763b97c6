"""What the bank must say: the standard risk disclosure every wealth answer and every rewritten reply
carries (理财非存款、产品有风险、投资须谨慎)."""

RISK_DISCLOSURE = "理财非存款，产品有风险，投资须谨慎。"
