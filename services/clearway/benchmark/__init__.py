"""`clearway bench`: the suite measured side by side with its floor and its peers (issue 9).

Shared machines are noisy, so every figure that matters is a ratio of two measurements
taken in the same run: pipeline ÷ floor, two replicas ÷ one, our rules engine ÷ zen-engine,
our screening ÷ a brute-force scan.
"""
