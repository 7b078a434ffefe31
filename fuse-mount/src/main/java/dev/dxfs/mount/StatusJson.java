package dev.dxfs.mount;

import dev.dxfs.fs.MountStats;
import dev.dxfs.fs.OverlayFs;
import java.nio.file.Path;

/** The status document of {@code dxfs status}. */
final class StatusJson {
    private StatusJson() {}

    static String notMounted(Path mountPoint, boolean stale) {
        return "{\"mountpoint\":" + quote(mountPoint.toString()) + ",\"mounted\":false"
                + (stale ? ",\"stale\":true" : "") + "}";
    }

    static String of(Path mountPoint, OverlayFs fs) {
        MountStats stats = fs.stats();
        return "{\"mountpoint\":" + quote(mountPoint.toString())
                + ",\"mounted\":true"
                + ",\"pid\":" + ProcessHandle.current().pid()
                + ",\"openStagedWriters\":" + fs.openStagedWriters()
                + ",\"commits\":" + stats.commits()
                + ",\"concurrentCommits\":" + stats.concurrentCommits()
                + ",\"execProtectedNodes\":" + fs.executingNodes()
                + ",\"nodes\":" + fs.nodeCount()
                + ",\"retries\":" + stats.retries()
                + ",\"sharedNodes\":" + stats.sharedNodes()
                + ",\"bytesStaged\":" + stats.bytesStaged()
                + ",\"discardedWrites\":" + stats.discardedWrites()
                + ",\"errors\":" + stats.errors()
                + "}";
    }

    static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
