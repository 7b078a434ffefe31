package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Staged writes whose RELEASE has been received and not yet handled: they publish at that
 * RELEASE, and whatever their writer did after its last {@code close(2)} (an exec of the file, a
 * {@code stat}, a {@code cat} once the shell's {@code cmd > f} is done) was queued by the kernel
 * after it. A request that touches such a write's name waits for its release first, so the
 * closer, and anyone it told, finds the new version, as it would natively. Releases of writes to
 * one name publish in the order they were queued, so the last writer to close wins.
 */
final class PendingReleases {
    /** Each pending write, with its place in the order its RELEASE was received. */
    private final Map<StagedWrite, Long> pending = new ConcurrentHashMap<>();
    private final NodeTable nodes;
    /** Counts RELEASEs as they are received; only touched under the request loop's receive lock. */
    private long received;

    PendingReleases(NodeTable nodes) {
        this.nodes = nodes;
    }

    /** Called in the kernel's order of requests, before any later one is received: never blocks. */
    void queued(StagedWrite write) {
        pending.put(write, ++received);
    }

    void done(StagedWrite write) {
        pending.remove(write);
    }

    /** Waits for the releases of writes to {@code name} in {@code dir}. */
    void awaitName(Node dir, String name) {
        awaitName(dir, name, Long.MAX_VALUE);
    }

    /**
     * Waits for the releases of writes to the same name as {@code write} that were received
     * before its own: two writers that close one after the other publish in that order, even
     * when their releases are handled at once.
     */
    void awaitEarlier(StagedWrite write) {
        Long place = pending.get(write);
        Binding target = nodes.binding(write.node());
        if (place != null && target != null) {
            awaitName(target.parent(), target.name(), place);
        }
    }

    private void awaitName(Node dir, String name, long before) {
        if (pending.isEmpty()) {
            return;
        }
        for (Map.Entry<StagedWrite, Long> entry : pending.entrySet()) {
            Binding target = nodes.binding(entry.getKey().node());
            if (entry.getValue() < before && target != null && target.parent() == dir && target.name().equals(name)) {
                entry.getKey().awaitReleased();
            }
        }
    }

    /**
     * Waits for the releases of writes to names in the directory at {@code name} in {@code dir}:
     * a new file exists in the backing directory only from its publish, so until its release is
     * done its directory would be empty to an rmdir, or to a rename over it, that its writer
     * makes after its close, where natively it holds the file.
     */
    void awaitEntries(Node dir, String name) {
        if (pending.isEmpty()) {
            return;
        }
        Binding directory = new Binding(dir, name);
        for (StagedWrite write : pending.keySet()) {
            Binding target = nodes.binding(write.node());
            if (target != null && directory.equals(nodes.binding(target.parent()))) {
                write.awaitReleased();
            }
        }
    }

    /**
     * Waits for the releases of writes to {@code node}'s file, through any of its nodes, or to a
     * name in it: a rewrite published over one name of a file takes a link from the version its
     * other names hold, and whoever looks at those after the writer's close must find that.
     */
    void awaitNode(Node node) {
        if (pending.isEmpty()) {
            return;
        }
        for (StagedWrite write : pending.keySet()) {
            Binding target = nodes.binding(write.node());
            if (sameFile(write.node(), node) || target != null && target.parent() == node) {
                write.awaitReleased();
            }
        }
    }

    /**
     * Waits for the releases of writes to {@code file} through any of its nodes; returns whether
     * there were any, and so whether what was read of it before is out of date.
     */
    boolean awaitFile(Node file) {
        if (pending.isEmpty()) {
            return false;
        }
        boolean waited = false;
        for (StagedWrite write : pending.keySet()) {
            if (sameFile(write.node(), file)) {
                write.awaitReleased();
                waited = true;
            }
        }
        return waited;
    }

    private static boolean sameFile(Node one, Node other) {
        return one == other || one.dev == other.dev && one.ino == other.ino;
    }
}
