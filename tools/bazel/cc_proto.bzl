"""cc_grpc_library: C++ (and gRPC) code from .proto files with the system protoc.

Bazel 4's native proto rules would fetch protobuf sources and build protoc from
them; this runs Debian's /usr/bin/protoc and grpc_cpp_plugin instead (symlinked
into @system_libs by tools/bazel/pkg_config.bzl), so nothing is downloaded and
the generated code always matches the installed libprotobuf/libgrpc++.
"""

_ProtoSrcsInfo = provider(fields = {
    "srcs": "depset of .proto files needed to compile importers",
    "roots": "depset of -I roots (import paths are relative to these)",
})

def _root(f):
    # Import paths start at the repository root of the file (source or generated).
    return "/".join([p for p in [f.root.path, f.owner.workspace_root] if p]) or "."

def _gen_impl(ctx):
    srcs = ctx.files.srcs
    roots = depset([_root(f) for f in srcs], transitive = [d[_ProtoSrcsInfo].roots for d in ctx.attr.deps])
    all_srcs = depset(srcs, transitive = [d[_ProtoSrcsInfo].srcs for d in ctx.attr.deps])
    pkg = ctx.label.package
    hdrs, ccs, imports = [], [], []
    for f in srcs:
        if f.owner.workspace_name != ctx.label.workspace_name:
            fail("%s: cc_grpc_library srcs must be in the same repository as the target" % f)
        root = _root(f)
        imp = f.path[len(root) + 1:] if root != "." else f.path
        imports.append(imp)
        base = imp[:-len(".proto")]
        rel = base[len(pkg) + 1:] if pkg else base  # declare_file is package-relative
        exts = [".pb"] + ([".grpc.pb"] if ctx.attr.grpc else [])
        hdrs += [ctx.actions.declare_file(rel + e + ".h") for e in exts]
        ccs += [ctx.actions.declare_file(rel + e + ".cc") for e in exts]

    out = "/".join([p for p in [ctx.bin_dir.path, ctx.label.workspace_root] if p])
    args = ctx.actions.args()
    args.add_all(roots, format_each = "-I%s")

    # Last, so google/protobuf/{timestamp,duration,empty,...}.proto resolve to the
    # copies shipped with libprotobuf-dev (whose .pb.h live in /usr/include too).
    args.add("-I/usr/include")
    args.add("--cpp_out=" + out)
    if ctx.attr.grpc:
        args.add("--plugin=protoc-gen-grpc=" + ctx.file._plugin.path)
        args.add("--grpc_out=" + out)
    args.add_all(imports)
    ctx.actions.run(
        executable = ctx.file._protoc,
        arguments = [args],
        inputs = all_srcs,
        tools = [ctx.file._plugin],
        outputs = hdrs + ccs,
        mnemonic = "ProtocCc",
        progress_message = "protoc %s" % ctx.label,
    )
    return [
        DefaultInfo(files = depset(hdrs + ccs)),
        OutputGroupInfo(hdrs = depset(hdrs), srcs = depset(ccs)),
        _ProtoSrcsInfo(srcs = all_srcs, roots = roots),
    ]

_proto_gen = rule(
    implementation = _gen_impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".proto"], mandatory = True),
        "deps": attr.label_list(providers = [_ProtoSrcsInfo]),
        "grpc": attr.bool(default = True),
        "_protoc": attr.label(default = "@system_libs//:bin/protoc", allow_single_file = True, cfg = "exec"),
        "_plugin": attr.label(default = "@system_libs//:bin/grpc_cpp_plugin", allow_single_file = True, cfg = "exec"),
    },
)

def _gen_label(dep):
    # "//a/b:x" -> "//a/b:x_pb"; "//a/b" -> "//a/b:b_pb"; ":x" -> ":x_pb"
    if ":" not in dep:
        dep = dep + ":" + dep.split("/")[-1]
    return dep + "_pb"

def cc_grpc_library(name, srcs, deps = [], grpc = True, alwayslink = False, cc_deps = [], **kwargs):
    """C++ library `name` from `srcs` (.proto files in this package or below).

    #include paths mirror the .proto import path from the repository root, e.g.
    proto/warren/v1/warren.proto -> "proto/warren/v1/warren.pb.h" / ".grpc.pb.h".

    Args:
      name: the cc_library; `name + "_pb"` is the code generation target.
      srcs: .proto files.
      deps: other cc_grpc_library targets whose .proto files `srcs` import
        (google/protobuf/*.proto need nothing: they come from libprotobuf-dev).
      grpc: also run grpc_cpp_plugin (.grpc.pb.h/.cc) for `service` definitions.
      alwayslink: keep all objects linked even if unreferenced, e.g. so the
        descriptors are registered for server reflection.
      cc_deps: extra cc deps of the generated library.
      **kwargs: visibility, testonly, tags, ... passed to both targets.
    """
    _proto_gen(
        name = name + "_pb",
        srcs = srcs,
        deps = [_gen_label(d) for d in deps],
        grpc = grpc,
        **kwargs
    )
    for group in ["hdrs", "srcs"]:
        native.filegroup(
            name = "%s_pb_%s" % (name, group),
            srcs = [":%s_pb" % name],
            output_group = group,
            **kwargs
        )
    native.cc_library(
        name = name,
        srcs = [":%s_pb_srcs" % name],
        hdrs = [":%s_pb_hdrs" % name],
        deps = deps + cc_deps + ["@system_libs//:grpcpp" if grpc else "@system_libs//:protobuf"],
        alwayslink = alwayslink,
        **kwargs
    )
