"""Keep-or-drop rules with stable reasons: language, text quality, captions, KOSMOS-1 document rules."""
