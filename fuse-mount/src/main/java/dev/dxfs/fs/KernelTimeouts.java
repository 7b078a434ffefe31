package dev.dxfs.fs;

/**
 * How long the kernel may keep a name or attributes the daemon answered before asking again.
 * Keeping a name spares a lookup per path component; the daemon makes the kernel forget a name
 * whose file it replaces by a publish, the one change to names the kernel does not see.
 *
 * <p>Some answers must never be kept:
 * <ul>
 *   <li>an executable file's name: each lookup gets a node of its own (an exec bans writes to its
 *       node), so every lookup must reach the daemon;
 *   <li>a name a staged writer has open, and anything answered from a caller's own unpublished
 *       write: what the name shows depends on who asks (its writer sees its own file), and the
 *       kernel keeps one view per name and per node for everyone;
 *   <li>the attributes of a file with staged writers open: the kernel would show a writer the
 *       published version's, or others the writer's;
 *   <li>the attributes of a file with several names, or with several nodes (a file has a node
 *       per name, and per lookup where a node must not be shared): a change through one node
 *       (a write, a truncate, a link or unlink) does not show in what the kernel keeps of the
 *       others. When a second node of an inode appears, the daemon makes the kernel forget the
 *       first's; a file with one name gains a second only through a link of that name's node,
 *       whose attributes the daemon makes the kernel forget too.
 * </ul>
 */
final class KernelTimeouts {
    /** As libfuse's default: long enough to spare repeated requests, short enough to bound a surprise. */
    static final double KEEP = 1.0;
    private static final int EXECUTE_BITS = 0111;

    private KernelTimeouts() {}

    /** {@code viewed}: the answer is, or may become, a view of the caller's own (see above). */
    static double name(int mode, boolean viewed) {
        if (!Node.isRegular(mode)) {
            return KEEP;
        }
        return viewed || executable(mode) ? 0 : KEEP;
    }

    /** {@code sole}: the node is the only one of its inode. */
    static double attributes(Node node, int mode, long links, boolean viewed, boolean sole) {
        if (!Node.isRegular(mode)) {
            return KEEP;
        }
        return viewed || executable(mode) || links != 1 || !sole || node.hasStagedWriters() ? 0 : KEEP;
    }

    static boolean executable(int mode) {
        return (mode & EXECUTE_BITS) != 0;
    }
}
