"""Council governance (plan §三(二)); see the council issue."""
