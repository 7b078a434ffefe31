package dev.dxfs.mount;

import dev.dxfs.fs.MountStats;
import dev.dxfs.fs.OverlayFs;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The status document of {@code dxfs status}. */
final class StatusJson {
    private StatusJson() {}

    static String notMounted(Path mountPoint, boolean stale) {
        return "{\"mountpoint\":" + quote(mountPoint.toString()) + ",\"mounted\":false"
                + (stale ? ",\"stale\":true" : "") + "}";
    }

    static String of(Path mountPoint, Path log, OverlayFs fs) {
        MountStats stats = fs.stats();
        return "{\"mountpoint\":" + quote(mountPoint.toString())
                + ",\"mounted\":true"
                + ",\"pid\":" + ProcessHandle.current().pid()
                + (log == null ? "" : ",\"log\":" + quote(log.toString()))
                + ",\"openStagedWriters\":" + fs.openStagedWriters()
                + ",\"commits\":" + stats.commits()
                + ",\"concurrentCommits\":" + stats.concurrentCommits()
                + ",\"execProtectedNodes\":" + fs.executingNodes()
                + ",\"textBusyPrevented\":" + stats.textBusyPrevented()
                + ",\"nodes\":" + fs.nodeCount()
                + ",\"retries\":" + stats.retries()
                + ",\"sharedNodes\":" + stats.sharedNodes()
                + ",\"bytesStaged\":" + stats.bytesStaged()
                + ",\"discardedWrites\":" + stats.discardedWrites()
                + ",\"errors\":" + stats.errors()
                + "}";
    }

    /** A numeric field of a status document; 0 when it has none (a daemon of an older version). */
    static long number(String json, String field) {
        Matcher matcher = Pattern.compile("\"" + Pattern.quote(field) + "\":(-?\\d+)").matcher(json);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
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
