"""Data curation and the culture-vs-linguistics ablation: the language audit, the training arms, evaluating the arms and the ablation table."""
