"""Risk: party screening, goods rules, undervaluation, split shipments and the channel choice."""
