"""Repository rule `system_libs`: wraps Debian's -dev packages as cc_library targets.

Nothing is downloaded: every flag comes from pkg-config on the build host, and
the generated versions.txt records what was found so version drift is visible.

Each target links the shared libraries by default. The string setting
@system_libs//:linkage switches every target at once to Debian's static
archives (flags from `pkg-config --static --libs`, so Libs.private such as
protobuf's -lz come along):
  "dynamic"      (default) the .so files;
  "static"       the libraries' .a files for a fully static executable
                 (the binary adds -static, so glibc and libstdc++ are static
                 too; tools/bazel/static_binary.bzl does);
  "static_libs"  the third-party .a files between -Wl,-Bstatic and
                 -Wl,-Bdynamic; glibc and libstdc++ stay shared (what the
                 sanitizers need).
Binaries opt in through tools/bazel/static_binary.bzl (a transition), so
the other binaries of the same build keep the shared libraries.
"""

# Which Debian package provides each pkg-config module (for the error message).
_DEB = {
    "grpc++": "libgrpc++-dev",
    "grpc": "libgrpc-dev",
    "gpr": "libgrpc-dev",
    "protobuf": "libprotobuf-dev",
    "libnl-3.0": "libnl-3-dev",
    "libnl-route-3.0": "libnl-route-3-dev",
    "gtest": "libgtest-dev",
    "gtest_main": "libgtest-dev",
    "gmock": "libgmock-dev",
    "libseccomp": "libseccomp-dev",
    "libcap": "libcap-dev",
    "libnftables": "libnftables-dev",
    "libcrypto": "libssl-dev",
}

_ABSL_REQUIRED = [
    "absl_status",
    "absl_statusor",
    "absl_strings",
    "absl_str_format",
    "absl_flags",
    "absl_flags_parse",
    "absl_synchronization",
    "absl_time",
    "absl_flat_hash_map",
    "absl_cleanup",
]

# Added when present (they first appear in Abseil 20230125; Debian 12 has 20220623).
_ABSL_OPTIONAL = ["absl_log", "absl_check", "absl_log_initialize"]

# target name -> pkg-config modules. Order is link order.
_TARGETS = {
    # grpc++.pc does not pull in -lprotobuf, so protobuf is asked for explicitly.
    "grpcpp": ["grpc++", "grpc", "gpr", "protobuf"],
    "protobuf": ["protobuf"],
    "libnl": ["libnl-3.0", "libnl-route-3.0"],
    "gtest": ["gtest"],
    "gtest_main": ["gtest_main"],
    "gmock": ["gmock", "gtest"],
    "seccomp": ["libseccomp"],
    "libcap": ["libcap"],
    "nftables": ["libnftables"],
    "crypto": ["libcrypto"],
}

# Parts of glibc: under "static_libs" they stay shared (a static libm or
# libpthread next to a shared libc.so is not a supported combination).
_LIBC_PARTS = ["-lc", "-lm", "-lpthread", "-lrt", "-ldl", "-lutil", "-lresolv", "-lanl"]

def _run(rctx, args, what):
    res = rctx.execute(args)
    if res.return_code != 0:
        fail("system_libs: `%s` failed (%s):\n%s" % (" ".join(args), what, res.stderr))
    return res.stdout.strip()

def _split(s):
    return [f for f in s.replace("\n", " ").split(" ") if f]

def _dedup_libs(flags):
    # pkg-config repeats Abseil's -l flags dozens of times; keeping only the last
    # occurrence of each -l preserves a valid static link order.
    out = []
    for i, f in enumerate(flags):
        if f.startswith("-l") and f in flags[i + 1:]:
            continue
        out.append(f)
    return out

def _query(rctx, pc, modules):
    for m in modules:
        if rctx.execute([pc, "--exists", m]).return_code != 0:
            deb = _DEB.get(m, "libabsl-dev" if m.startswith("absl_") else "<the package owning %s.pc: apt-file search %s.pc>" % (m, m))
            fail("system_libs: pkg-config module '%s' not found. Install it: apt-get install %s" % (m, deb))
    includes = [f[2:] for f in _split(_run(rctx, [pc, "--cflags-only-I"] + modules, "cflags"))]
    defines, linkopts = [], []
    for f in _split(_run(rctx, [pc, "--cflags-only-other"] + modules, "cflags")):
        if f.startswith("-D"):
            defines.append(f[2:])
        elif f == "-pthread":
            linkopts.append(f)
        else:
            # cc_library cannot propagate arbitrary compile flags to dependents.
            fail("system_libs: unsupported cflag '%s' from %s; extend pkg_config.bzl" % (f, modules))
    # --static adds Libs.private and the Requires.private modules; if one of
    # those is missing, only a static link of this target fails (see _linkopts).
    res = rctx.execute([pc, "--static", "--libs"] + modules)
    static, static_libs = None, None
    if res.return_code == 0:
        static = _dedup_libs(_split(res.stdout.strip()))
        libc = [f for f in static if f in _LIBC_PARTS]
        static_libs = (linkopts + ["-Wl,-Bstatic"] + [f for f in static if f not in _LIBC_PARTS] +
                       ["-Wl,-Bdynamic"] + libc)
        static = linkopts + static
    linkopts += _dedup_libs(_split(_run(rctx, [pc, "--libs"] + modules, "libs")))
    versions = _split(_run(rctx, [pc, "--modversion"] + modules, "modversion"))
    return struct(
        modules = modules,
        includes = includes,
        defines = defines,
        linkopts = linkopts,
        static = static,
        static_libs = static_libs,
        versions = versions,
    )

def _linkopts(q):
    if q.static == None:
        return """select(
        {{":dynamic": {dynamic}}},
        no_match_error = "no static linking: `pkg-config --static --libs {modules}` failed on this host",
    )""".format(dynamic = repr(q.linkopts), modules = " ".join(q.modules))
    return """select({{
        ":static": {static},
        ":static_libs": {static_libs},
        "//conditions:default": {dynamic},
    }})""".format(dynamic = repr(q.linkopts), static = repr(q.static), static_libs = repr(q.static_libs))

def _target(name, q, deps = []):
    return """
cc_library(
    name = "{name}",
    defines = {defines},
    linkopts = {linkopts},
    deps = {deps},
)
""".format(
        name = name,
        defines = repr(q.defines),
        linkopts = _linkopts(q),
        deps = repr(deps + ([":%s_includes" % name] if q.includes else [])),
    ) + ("""
system_includes(
    name = "{name}_includes",
    dirs = {dirs},
)
""".format(name = name, dirs = repr(q.includes)) if q.includes else "")

def _tool(rctx, exe, deb):
    path = rctx.which(exe)
    if not path:
        fail("system_libs: '%s' not found on PATH. Install it: apt-get install %s" % (exe, deb))
    rctx.symlink(path, "bin/" + exe)
    return path

def _system_libs_impl(rctx):
    pc = rctx.which("pkg-config")
    if not pc:
        fail("system_libs: pkg-config not found. Install it: apt-get install pkg-config")
    pc = str(pc)

    absl = _ABSL_REQUIRED + [m for m in _ABSL_OPTIONAL if rctx.execute([pc, "--exists", m]).return_code == 0]
    queries = {name: (mods, _query(rctx, pc, mods)) for name, mods in _TARGETS.items()}
    queries["absl"] = (absl, _query(rctx, pc, absl))

    # No .pc file exists for the reflection library. Look next to grpc++.pc:
    # Debian's grpc++.pc claims libdir=/usr/lib, the .so is in the multiarch dir.
    pcdir = _run(rctx, [pc, "--variable=pcfiledir", "grpc++"], "pcfiledir")
    libdir = _run(rctx, [pc, "--variable=libdir", "grpc++"], "libdir")
    if not [d for d in [pcdir + "/..", libdir] if rctx.path(d + "/libgrpc++_reflection.so").exists]:
        fail("system_libs: libgrpc++_reflection.so not found in %s/.. or %s. Install it: apt-get install libgrpc++-dev" % (pcdir, libdir))

    protoc = _tool(rctx, "protoc", "protobuf-compiler")
    plugin = _tool(rctx, "grpc_cpp_plugin", "protobuf-compiler-grpc")
    protoc_version = _run(rctx, [protoc, "--version"], "protoc --version")

    versions = {}
    for mods, q in queries.values():
        for m, v in zip(mods, q.versions):
            versions["%s %s" % (m, v)] = None
    versions = sorted(versions.keys())
    versions.append("protoc: %s (%s)" % (protoc_version, protoc))
    versions.append("grpc_cpp_plugin: %s" % plugin)
    versions.append("skipped (absent): " + " ".join([m for m in _ABSL_OPTIONAL if m not in absl]))
    rctx.file("versions.txt", "\n".join(versions) + "\n")

    build = [
        "# Generated by @warren//tools/bazel:pkg_config.bzl from pkg-config on this host.",
        "# Versions:",
    ] + ["#   " + v for v in versions] + [
        'load(":system_includes.bzl", "linkage_setting", "system_includes")',
        'package(default_visibility = ["//visibility:public"])',
        'exports_files(["versions.txt", "bin/protoc", "bin/grpc_cpp_plugin"])',
        """
# dynamic | static | static_libs (see tools/bazel/pkg_config.bzl); set by the
# transition of tools/bazel/static_binary.bzl, or for a whole build with
# --@system_libs//:linkage=static_libs.
linkage_setting(name = "linkage", build_setting_default = "dynamic")

config_setting(name = "dynamic", flag_values = {":linkage": "dynamic"})

config_setting(name = "static", flag_values = {":linkage": "static"})

config_setting(name = "static_libs", flag_values = {":linkage": "static_libs"})
""",
    ]
    for name in sorted(queries.keys()):
        build.append(_target(name, queries[name][1]))

    # --no-as-needed: the plugin registers itself from a static initializer, so
    # an as-needed link would silently drop it (reflection then UNIMPLEMENTED).
    # Shared only (no .pc file to ask for its static dependencies).
    build.append("""
cc_library(
    name = "grpcpp_reflection",
    linkopts = ["-Wl,--push-state,--no-as-needed", "-lgrpc++_reflection", "-Wl,--pop-state"],
    deps = [":grpcpp"],
)
""")
    rctx.file("BUILD.bazel", "\n".join(build))
    rctx.file("WORKSPACE", 'workspace(name = "%s")\n' % rctx.name)
    rctx.file("system_includes.bzl", _SYSTEM_INCLUDES_BZL)

# cc_library's `includes` only takes repo-relative paths; absolute system dirs
# such as /usr/include/libnl3 need a CcInfo built by hand. -isystem also keeps
# -Werror from firing on third-party headers.
_SYSTEM_INCLUDES_BZL = '''
def _impl(ctx):
    return [CcInfo(compilation_context = cc_common.create_compilation_context(
        system_includes = depset(ctx.attr.dirs),
    ))]

system_includes = rule(implementation = _impl, attrs = {"dirs": attr.string_list()})

_LINKAGES = ["dynamic", "static", "static_libs"]

def _linkage_impl(ctx):
    if ctx.build_setting_value not in _LINKAGES:
        fail("@system_libs//:linkage must be one of %s, not '%s'" % (_LINKAGES, ctx.build_setting_value))
    return []

linkage_setting = rule(implementation = _linkage_impl, build_setting = config.string(flag = True))
'''

system_libs = repository_rule(
    implementation = _system_libs_impl,
    # Re-run on every server start so upgraded Debian packages are picked up.
    local = True,
    environ = ["PATH", "PKG_CONFIG_PATH", "PKG_CONFIG_LIBDIR"],
)
