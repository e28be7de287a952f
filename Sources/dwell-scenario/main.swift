// Placeholder until the scenario generator lands (issue #5).
print("dwell-scenario: not yet built")
