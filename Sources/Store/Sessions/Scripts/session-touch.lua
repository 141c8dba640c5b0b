-- Authenticates a request: returns the session's role, or nil when it is gone (session-role.lua).
-- KEYS: session.
return session_role(KEYS[1])
