"""The CRM's reasons: stored as codes, read in the reader's language (`practice.reasons`,
where they moved so messaging and workflows store theirs the same way)."""

from practice.reasons import reason, reason_text

__all__ = ["reason", "reason_text"]
