"""Custom sources posting normalized messages."""
