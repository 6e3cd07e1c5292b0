"""One experiment staged and cached: the session, its phases and results, the JSON form."""
