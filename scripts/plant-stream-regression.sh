#!/usr/bin/env bash
# Plants the regression the gate's targets are measured with (README, "What the gate decides"):
# three getppid() system calls in every send on the byte-stream path (pipe, fifo, unix-stream;
# tcp and eventfd share the path). Edits the tree it is run in; run it in a scratch worktree.
set -euo pipefail
file=Sources/IPCBenchCore/Mechanisms/DuplexDescriptors.swift
grep -q 'try DescriptorIO.writeAll(sendFD, buffer, count, spin)' "$file" || {
    echo "plant-stream-regression: $file does not have the send this plants into" >&2; exit 1; }
sed -i 's|        try DescriptorIO.writeAll(sendFD, buffer, count, spin)|        _ = getppid(); _ = getppid(); _ = getppid()  // planted regression\n        try DescriptorIO.writeAll(sendFD, buffer, count, spin)|' "$file"
grep -c 'planted regression' "$file" >/dev/null
