"""invoke sub-collections (one module per namespace), assembled in `tasks.py`.

Tasks here are thin: parse arguments, call a function of `awsenv`, `training_pipeline` or
`inference`, print the result. Heavy libraries are imported inside those functions so that
`invoke --list` stays instant.
"""
