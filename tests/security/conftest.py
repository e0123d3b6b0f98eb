"""Fixtures of the security tests: a throwaway PKI, the mTLS suite, captured JSON logs."""

from security_suite import captured_logs, pki, secure_suite

__all__ = ["captured_logs", "pki", "secure_suite"]
