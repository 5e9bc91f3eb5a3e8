"""Teaching material without Qt: the concepts the help explains, the lessons, the workflow's steps."""
