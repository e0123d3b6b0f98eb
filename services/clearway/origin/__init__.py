"""Origin: proofs of origin, product-specific rules of origin and the preference decision."""
