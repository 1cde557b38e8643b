"""One module per replica site; each has ``build() -> ReplicaSite``."""
