"""Valuation: customs value, duties and taxes of a consignment under the destination's regime."""
