"""Campaign ledgers (台账) such as 万件清理: a batch of problem appeals tracked to closure."""
