"""Templates: procedurally rendered backgrounds plus the metadata composition reads."""
