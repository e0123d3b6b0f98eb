"""What every Clearway service shares: settings, errors, logs, telemetry, the server bootstrap."""
