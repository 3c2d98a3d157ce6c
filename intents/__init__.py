"""Everything a person can say to attune: templates (hassil), matching, grammar export. Pure Python."""
