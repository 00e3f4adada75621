"""Who is calling: access tokens, refresh-token rotation, API keys, and the route dependencies."""
