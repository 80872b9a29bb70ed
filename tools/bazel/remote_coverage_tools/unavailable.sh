#!/bin/sh
echo "coverage tools are not available offline (stub in tools/bazel/remote_coverage_tools)" >&2
exit 1
