"""root_tests: integration tests that start their own warrend (root, real
namespaces), so they run outside the sandbox, one at a time."""

ROOT_TEST_TAGS = [
    "local",
    "no-sandbox",
    "exclusive",
]

def root_tests(names, deps):
    """One medium cc_test per name (source `<name>.cc`) with `deps`."""
    for name in names:
        native.cc_test(
            name = name,
            size = "medium",
            srcs = [name + ".cc"],
            tags = ROOT_TEST_TAGS,
            deps = deps + [
                "@system_libs//:absl",
                "@system_libs//:gmock",
                "@system_libs//:gtest_main",
            ],
        )
