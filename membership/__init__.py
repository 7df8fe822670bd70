"""Join applications, members and membership transfers: routed by where people work."""
