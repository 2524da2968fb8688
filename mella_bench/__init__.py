"""mella-bench: MELLA-protocol evaluation of vision-language models in eight low-resource languages."""

__version__ = "0.1.0"
__all__ = ["__version__"]
