"""The shared rules engine: YAML rule packs compiled to durable_rules and evaluated on facts.

See rules/README.md for the pack format.
"""

from .engine import RulesEngine
from .errors import EvaluationError, FactError, PackError
from .memo import EvaluationMemo
from .model import Evaluation, FiredRule, Flag, PackInfo

__all__ = [
    "Evaluation",
    "EvaluationError",
    "EvaluationMemo",
    "FactError",
    "FiredRule",
    "Flag",
    "PackError",
    "PackInfo",
    "RulesEngine",
]
