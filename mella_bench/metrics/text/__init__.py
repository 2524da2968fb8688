"""Language text for the metrics: tokenisation, spelling folds, keyword word matching, word lists."""
