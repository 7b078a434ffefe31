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
 *   <li>anything answered from a caller's own unpublished write: it is that caller's view, and
 *       the kernel keeps one view per node for everyone;
 *   <li>the attributes of a file with staged writers open: the kernel would show a writer the
 *       published version's, or others the writer's;
 *   <li>the attributes of a file with several names: a file has a node per name, so a link or
 *       unlink through one name changes the link count the other names' nodes show, unseen by
 *       the kernel. (A file with one name gains a second only through a link of that name's
 *       node, whose attributes the daemon then makes the kernel forget.)
 * </ul>
 */
final class KernelTimeouts {
    /** As libfuse's default: long enough to spare repeated requests, short enough to bound a surprise. */
    static final double KEEP = 1.0;
    private static final int EXECUTE_BITS = 0111;

    private KernelTimeouts() {}

    static double name(int mode, boolean callersOwn) {
        if (!Node.isRegular(mode)) {
            return KEEP;
        }
        return callersOwn || executable(mode) ? 0 : KEEP;
    }

    static double attributes(Node node, int mode, long links, boolean callersOwn) {
        if (!Node.isRegular(mode)) {
            return KEEP;
        }
        return callersOwn || executable(mode) || links != 1 || node.hasStagedWriters() ? 0 : KEEP;
    }

    static boolean executable(int mode) {
        return (mode & EXECUTE_BITS) != 0;
    }
}
