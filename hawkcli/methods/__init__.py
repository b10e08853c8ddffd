"""Visual-token pruning methods, one module each, behind a registry (`hawk methods` lists them)."""
