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
        return head(mountPoint, false) + (stale ? ",\"stale\":true" : "") + "}";
    }

    /** A mount point of another filesystem ({@code type}): not a dxfs mount. */
    static String otherFilesystem(Path mountPoint, String type) {
        return head(mountPoint, false) + ",\"filesystem\":" + quote(type) + "}";
    }

    /**
     * A live dxfs mount whose daemon this user cannot ask for its figures: the mount of another
     * user ({@code owner}), whose control socket is in that user's runtime directory.
     */
    static String unanswered(Path mountPoint, int owner) {
        return head(mountPoint, true) + ",\"owner\":" + quote(UserName.of(owner)) + ",\"ownerUid\":" + owner + "}";
    }

    private static String head(Path mountPoint, boolean mounted) {
        return "{\"mountpoint\":" + quote(mountPoint.toString()) + ",\"mounted\":" + mounted;
    }

    static String of(Path mountPoint, String transport, Path log, OverlayFs fs) {
        MountStats stats = fs.stats();
        return head(mountPoint, true)
                + ",\"pid\":" + ProcessHandle.current().pid()
                + ",\"transport\":" + quote(transport)
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
