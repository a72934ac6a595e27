"""Build macros every package of the house shares.

house_sources: the package's sources as one filegroup, which tests/house:layering_test reads to
hold each folder to the include table of docs/architecture.md (and fuzz:build_sh_links_test, to
expand fuzz/build.sh's globs).
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
