"""Build macros every package of the house shares.

house_sources: the package's sources as one filegroup, which tests/house:layering_test reads to
hold each folder to the include table of docs/architecture.md.
"""

def house_sources():
    """The package's *.h, *.c and *.cc files as :sources, visible to tests/house only."""
    native.filegroup(
        name = "sources",
        srcs = native.glob([
            "*.h",
            "*.c",
            "*.cc",
        ]),
        visibility = ["//tests/house:__pkg__"],
    )
