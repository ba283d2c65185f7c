// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ipcbench",
    // Linux only (futex, eventfd, vmsplice, SCM_RIGHTS, /proc): no `platforms` entry, because
    // that list can only name Apple platforms; each target says so with `#error` in Platform.swift.
    products: [
        .executable(name: "ipcbench", targets: ["ipcbench"]),
        .library(name: "IPCBenchCore", targets: ["IPCBenchCore"]),
    ],
    targets: [
        // The few C calls Swift cannot import (variadic, macros, unions); no benchmark loop lives here.
        .target(
            name: "CIPCShim",
            cSettings: [.define("_GNU_SOURCE")]
        ),
        .target(
            name: "IPCBenchCore",
            dependencies: ["CIPCShim"]
        ),
        // Parses arguments and prints; everything it measures comes from IPCBenchCore.
        .target(
            name: "IPCBenchCLI",
            dependencies: ["IPCBenchCore"]
        ),
        .executableTarget(
            name: "ipcbench",
            dependencies: ["IPCBenchCLI"]
        ),
        .testTarget(
            name: "IPCBenchCoreTests",
            dependencies: ["IPCBenchCore", "IPCBenchCLI", "ipcbench"]
        ),
    ]
)
