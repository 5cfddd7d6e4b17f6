"""The laptop-only glue above training_pipeline, inference and awsenv: the demo and local event
delivery. Nothing below imports it, and no container or Lambda ever needs it."""
