package dev.dxfs.fs;

import java.util.ArrayList;
import java.util.List;

/**
 * The staged writes of the process that makes a request. A process writing a file sees its own
 * unpublished data, by name and by node (lookup, getattr, setattr, open), and may rename, link or
 * remove the file it is still creating; everyone else sees the published version.
 */
final class CallersWrites {
    private final Platform platform;

    CallersWrites(Platform platform) {
        this.platform = platform;
    }

    /** The last unpublished staged write of the calling process among the handles of {@code candidates}. */
    StagedWrite staged(List<Node> candidates, int tid) {
        StagedWrite mine = null;
        // Indexed, and the handles copied only of a node with a staged write (most have none):
        // asked at every lookup, where C1, doing no escape analysis, allocates every iterator.
        for (int i = 0; i < candidates.size(); i++) {
            Node node = candidates.get(i);
            if (!node.hasStagedWriters()) {
                continue;
            }
            for (OpenFile file : node.handles()) {
                if (file instanceof StagedWrite staged && staged.unpublished() && staged.openedBy(tid, platform)) {
                    mine = staged;
                }
            }
        }
        return mine;
    }

    /**
     * The staged writes of the calling process on {@code node} that hold changes not in the node's
     * inode: unpublished ones, and orphaned ones (whose node has no name left to be looked up by).
     */
    List<StagedWrite> stagedOn(Node node, int tid) {
        List<StagedWrite> mine = new ArrayList<>();
        for (OpenFile file : node.handles()) {
            if (file instanceof StagedWrite staged && staged.holdsChanges() && staged.openedBy(tid, platform)) {
                mine.add(staged);
            }
        }
        return mine;
    }
}
