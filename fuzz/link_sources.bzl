"""What the fuzz targets link, as Bazel sees it, for the check on fuzz/build.sh.

fuzz/build.sh builds the targets without Bazel from its own list of library sources
(LIB_SOURCES). `fuzz_link_sources` writes the other side: every C/C++ source of every
cc_library the given targets depend on, transitively, one line each:

    <path in the workspace> <owning library label> source|generated

fuzz/link_sources_test.sh compares the two and names any file build.sh would not link.
Only this workspace's libraries count (external ones, libseccomp, are system libraries).
"""

_SOURCE_EXTENSIONS = ["c", "cc", "cpp", "cxx", "S"]

FuzzLinkSourcesInfo = provider(
    doc = "The C/C++ sources a target links, transitively, as manifest lines.",
    fields = {"lines": "depset of strings: path, owning label, source|generated"},
)

def _link_sources_aspect_impl(target, ctx):
    lines = []
    if ctx.rule.kind == "cc_library" and not target.label.workspace_name:
        for src in getattr(ctx.rule.attr, "srcs", []):
            for f in src.files.to_list():
                if f.extension in _SOURCE_EXTENSIONS:
                    kind = "source" if f.is_source else "generated"
                    lines.append("%s %s %s" % (f.short_path, target.label, kind))
    transitive = [
        dep[FuzzLinkSourcesInfo].lines
        for dep in getattr(ctx.rule.attr, "deps", [])
        if FuzzLinkSourcesInfo in dep
    ]
    return [FuzzLinkSourcesInfo(lines = depset(lines, transitive = transitive))]

link_sources_aspect = aspect(
    implementation = _link_sources_aspect_impl,
    attr_aspects = ["deps"],
)

def _fuzz_link_sources_impl(ctx):
    lines = depset(transitive = [
        dep[FuzzLinkSourcesInfo].lines
        for dep in ctx.attr.deps
    ]).to_list()
    out = ctx.actions.declare_file(ctx.label.name + ".txt")
    ctx.actions.write(out, "".join([line + "\n" for line in sorted(lines)]))
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

fuzz_link_sources = rule(
    implementation = _fuzz_link_sources_impl,
    doc = "Writes <name>.txt: the sources of every library `deps` link, transitively.",
    attrs = {
        "deps": attr.label_list(aspects = [link_sources_aspect]),
    },
)
