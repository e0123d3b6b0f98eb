"""The declaration as plain Python (no gRPC types), its validation, and its proto codec."""
