"""Emotion models: cards, Keras and TF Lite runners, the architectures, and the weights that ship."""
