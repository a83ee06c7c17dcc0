"""Training and evaluation of classifier architectures on FER-2013 (TensorFlow, imported lazily)."""
