package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Staged writes whose RELEASE has been received and not yet handled: they publish at that
 * RELEASE, and whatever their writer did after its last {@code close(2)} (an exec of the file, a
 * {@code stat}, a {@code cat} once the shell's {@code cmd > f} is done) was queued by the kernel
 * after it. A request that touches such a write's name waits for its release first, so the
 * closer, and anyone it told, finds the new version, as it would natively.
 */
final class PendingReleases {
    private final Set<StagedWrite> pending = ConcurrentHashMap.newKeySet();
    private final NodeTable nodes;

    PendingReleases(NodeTable nodes) {
        this.nodes = nodes;
    }

    /** Called in the kernel's order of requests, before any later one is received: never blocks. */
    void queued(StagedWrite write) {
        pending.add(write);
    }

    void done(StagedWrite write) {
        pending.remove(write);
    }

    /** Waits for the releases of writes to {@code name} in {@code dir}. */
    void awaitName(Node dir, String name) {
        if (pending.isEmpty()) {
            return;
        }
        for (StagedWrite write : pending) {
            Binding target = nodes.binding(write.node());
            if (target != null && target.parent() == dir && target.name().equals(name)) {
                write.awaitReleased();
            }
        }
    }

    /** Waits for the releases of writes to {@code node} itself, or to a name in it. */
    void awaitNode(Node node) {
        if (pending.isEmpty()) {
            return;
        }
        for (StagedWrite write : pending) {
            Binding target = nodes.binding(write.node());
            if (write.node() == node || target != null && target.parent() == node) {
                write.awaitReleased();
            }
        }
    }
}
