// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ipcbench",
    platforms: [.macOS(.v15)],
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
