"""The client for OpenAI-compatible HTTP endpoints (judge and `openai` backend)."""
