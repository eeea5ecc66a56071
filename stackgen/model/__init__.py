"""Stage 2: the typed model every target renders and the local engine executes."""
from stackgen.model.nodes import FieldType, LogModel, Multiline, Value, Variant

__all__ = ["FieldType", "LogModel", "Multiline", "Value", "Variant"]
