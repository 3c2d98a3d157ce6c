"""Speech to text: one module per engine, the grammar they share, the engine factory and models."""
