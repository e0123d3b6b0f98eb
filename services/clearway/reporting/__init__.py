"""Measurement of stored decisions and policy simulation: `clearway report`, `clearway simulate`."""
