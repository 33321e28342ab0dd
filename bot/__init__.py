"""北京社会工作政策问答助手: cited answers from policy articles, deterministic eligibility rules."""

__version__ = "0.1.0"
