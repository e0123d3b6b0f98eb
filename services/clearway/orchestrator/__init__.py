"""The clearance orchestrator: one stored decision per declaration from four services' answers."""
