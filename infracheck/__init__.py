"""`make test-infra`: every Terraform root applied on the emulator through the user's own tasks.

prerequisites  terraform >= 1.10 on PATH and an installable AWS provider (registry or the user's
               own CLI-configuration mirror), or one line saying which is missing
sandbox        a private copy of the checkout (the user's state and lock files stay untouched)
               and the commands run in it, timed and logged
expectations   what must exist after the applies (state bucket, CI trust, Lambda, rule, schedule)
teardown       emptying what terraform will not delete (objects, images) before each destroy
run            the phases: apply, assert, re-plan (no changes), destroy; the timing table
"""
