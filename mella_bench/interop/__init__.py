"""Other harnesses' and papers' formats: dataset and run importers, the lmms-eval export."""
