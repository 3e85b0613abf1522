"""The clients the local authorization server knows (tests/server/), for
checks that run without pytest."""

BASIC_SECRET = 's3cr3t+/:%&= "~*'
POST_SECRET = "post-secret-0123456789"
SHORT_SECRET = "short-secret-0123456789"
