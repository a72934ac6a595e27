"""Test macros: the shapes the test BUILD files repeat.

sckit_cc_test: a gtest test whose source is NAME.cc (unless srcs says otherwise), linked with
gtest_main.
kernel_cc_test: the same for tests that install filters in the running kernel through the kernel
engine, which needs CAP_SYS_ADMIN in the initial user namespace (see tests/live:
kernel_engine_test): tagged "local", so they run outside the linux-sandbox.
cli_sh_test: a shell test NAME.sh that runs the real `sckit` binary (//tools:sckit added to its
data) with the harness of tests/cli_test_lib.sh (check, finish).
"""

def sckit_cc_test(name, size, deps, srcs = None, data = [], tags = []):
    native.cc_test(
        name = name,
        size = size,
        srcs = srcs if srcs != None else [name + ".cc"],
        data = data,
        tags = tags,
        deps = deps + ["@system//:gtest_main"],
    )

def kernel_cc_test(name, size, deps, srcs = None, data = []):
    sckit_cc_test(name = name, size = size, deps = deps, srcs = srcs, data = data, tags = ["local"])

def cli_sh_test(name, size, data = []):
    native.sh_test(
        name = name,
        size = size,
        srcs = [name + ".sh"],
        data = data + ["//tools:sckit"],
        deps = ["//tests:cli_test_lib"],
    )
