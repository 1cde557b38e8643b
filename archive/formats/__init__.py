"""Export formats beyond JSON Lines and CSV (Parquet, SQLite, BagIt, Frictionless descriptors),
each registered in archive.export.FORMATS and imported only when used."""
