"""WTForms, one module per area. Validation here is about shape; rules live in services."""
