"""The taxonomy of appeals (诉求分类): three levels of codes that nest (01 → 0101 → 010101)."""
