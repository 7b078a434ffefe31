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
 *   <li>a name answered from a caller's own unpublished write: it is that caller's view, and the
 *       kernel keeps one view per name for everyone;
 *   <li>a regular file's attributes: a file has a node per name, so a link or unlink through one
 *       name changes the link count the others show, and a writer sees its own unpublished size
 *       and mode where others see the published ones.
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

    static double attributes(int mode) {
        return Node.isRegular(mode) ? 0 : KEEP;
    }

    static boolean executable(int mode) {
        return (mode & EXECUTE_BITS) != 0;
    }
}
