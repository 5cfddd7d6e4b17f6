"""Releases: what CI built for a commit (the manifest), its images, and tag-based promotion.

* `release.manifest`  build, write and read the release manifest in the operations account
* `release.images`    the docker commands that build and push the three images
* `release.promote`   `git tag -f <env> <sha>` + `git push -f <remote> <env>`, after checks
"""
