"""Job To Job Visit (a consultant registers a company and a posting; the company claims them by
a one-time emailed link) and 기업 진단 (a company's hiring-difficulty type), issue 15."""
