"""Build macros every package of the house shares.

house_sources: the package's sources as one filegroup, which tests/house:layering_test reads to
hold each folder to the include table of docs/architecture.md (and fuzz:build_sh_links_test, to
expand fuzz/build.sh's globs).
unit_cc_library: a library of one unit, NAME.cc with its header NAME.h.
"""

def house_sources():
    """The package's *.h, *.c and *.cc files as :sources, visible to tests/house and fuzz/ only."""
    native.filegroup(
        name = "sources",
        srcs = native.glob([
            "*.h",
            "*.c",
            "*.cc",
        ]),
        visibility = [
            "//fuzz:__pkg__",  # fuzz:build_sh_links_test expands fuzz/build.sh's globs over them
            "//tests/house:__pkg__",
        ],
    )

def unit_cc_library(name, deps, visibility = None):
    """A cc_library of one unit: srcs NAME.cc, hdrs NAME.h."""
    native.cc_library(
        name = name,
        srcs = [name + ".cc"],
        hdrs = [name + ".h"],
        deps = deps,
        visibility = visibility,
    )
