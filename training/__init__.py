"""Training pipeline of the stance (NLI) cross-encoder. Needs ../shared/data/nli; the product does not."""
