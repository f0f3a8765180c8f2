"""slalang: SLA-as-code."""
