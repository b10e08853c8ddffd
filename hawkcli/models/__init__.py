"""Per-family knowledge (one adapter file per family in `families/`), model loading and input processing."""
