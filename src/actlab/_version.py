"""actlab's version, in a leaf module any floor may import (the package face imports much more)."""

__version__ = "0.1.0"
