"""Use cases. Each takes a session and explicit arguments (including `now`), commits once,
and returns a result or raises a DeliberateError. None of them touches the request."""
