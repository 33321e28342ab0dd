"""Rules: applicants' facts, eligibility checks, windows and stages, the screener. Deterministic."""
