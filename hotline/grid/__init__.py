"""The organisation: the 省-市-区-街道-社区-网格 tree, its departments and the centre."""
