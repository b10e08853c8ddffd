"""Per-architecture knowledge (adapters), model loading and input processing."""
