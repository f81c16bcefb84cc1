"""Mail: how messages are worded (texts) and how they leave the building (transports)."""
