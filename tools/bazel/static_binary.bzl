"""static_cc_binary: a cc_binary linked against the static system libraries.

    static_cc_binary(name = "warren-monitor", srcs = [...], deps = [...])

builds the cc_binary `_<name>_cc` in a configuration where
@system_libs//:linkage (tools/bazel/pkg_config.bzl) is "static", so every
@system_libs target in its dependency graph links Debian's .a files and the
executable is fully static (no ld.so, no relocations at start). `name` is
that executable under the usual path (bazel-bin/<package>/<name>, a
symlink), so `bazel run`, `data = [...]` and scripts need not know.

With a sanitizer (a --linkopt starting with -fsanitize, as in .bazelrc's
asan/ubsan configs) the linkage is "static_libs" instead: the third-party
archives are still linked statically, glibc and libstdc++ stay shared, since
the sanitizer runtimes do not support -static.

Only the binary's own dependency graph is affected; its libraries are built
a second time in that configuration (in a bazel-out/k8-*-ST-<hash>
directory), which is why only small per-container helpers should use this.
"""

def _linkage_transition_impl(settings, attr):
    linkage = attr.linkage
    if linkage == "static" and [f for f in settings["//command_line_option:linkopt"] if f.startswith("-fsanitize")]:
        linkage = "static_libs"
    return {"@system_libs//:linkage": linkage}

_linkage_transition = transition(
    implementation = _linkage_transition_impl,
    inputs = ["//command_line_option:linkopt"],
    outputs = ["@system_libs//:linkage"],
)

def _static_binary_impl(ctx):
    binary = ctx.attr.binary
    if type(binary) == "list":
        binary = binary[0]
    exe = binary[DefaultInfo].files_to_run.executable
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.symlink(output = out, target_file = exe, is_executable = True)
    runfiles = ctx.runfiles(files = [exe]).merge(binary[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = out, files = depset([out]), runfiles = runfiles)]

_static_binary = rule(
    implementation = _static_binary_impl,
    executable = True,
    attrs = {
        "binary": attr.label(mandatory = True, executable = True, cfg = _linkage_transition),
        "linkage": attr.string(default = "static", values = ["static", "static_libs"]),
        "_allowlist_function_transition": attr.label(
            default = "@bazel_tools//tools/allowlists/function_transition_allowlist",
        ),
    },
)

def static_cc_binary(name, linkage = "static", visibility = None, tags = [], testonly = False, **kwargs):
    """A cc_binary `name` whose system libraries are linked statically.

    Args:
      name: the executable.
      linkage: "static" (fully static, the default) or "static_libs" (static
        third-party archives, shared glibc and libstdc++).
      visibility: of `name`.
      tags: of both targets; the inner cc_binary is also tagged "manual".
      testonly: of both targets.
      **kwargs: cc_binary attributes (srcs, deps, copts, linkopts, ...).
    """
    native.cc_binary(
        name = "_%s_cc" % name,
        linkopts = kwargs.pop("linkopts", []) + select({
            "@system_libs//:static": ["-static"],
            "//conditions:default": [],
        }),
        tags = tags + ["manual"],
        testonly = testonly,
        visibility = ["//visibility:private"],
        **kwargs
    )
    _static_binary(
        name = name,
        binary = ":_%s_cc" % name,
        linkage = linkage,
        tags = tags,
        testonly = testonly,
        visibility = visibility,
    )
