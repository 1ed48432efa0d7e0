"""知识库: the answers the centre gives, kept current, with every version and the units'
proposals the centre reviews."""
