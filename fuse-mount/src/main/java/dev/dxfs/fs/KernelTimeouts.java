package dev.dxfs.fs;

/**
 * How long the kernel may keep a name or attributes the daemon answered before asking again.
 * The names of directories, symlinks and special files are kept, which spares a lookup per path
 * component. A regular file's name is kept only where the kernel can be made to
 * forget every name at once without a lock (the kernel transport's epoch, see {@link KeptNames}): a publish
 * replaces the file behind the name. (Making the kernel forget one name after a publish was
 * tried: the kernel takes the directory's lock for it, and a process holding that lock while it
 * waits for the daemon could hang the call, and with it a daemon being killed.) Even there, an
 * executable's name is never kept: its lookups must each get a node of their own (an exec bans
 * writes to its node); nor the name of a file a staged writer has open, which its writer sees as
 * its own file and others as the published one. A regular file's attributes are kept, except:
 * <ul>
 *   <li>anything answered from a caller's own unpublished write: it is that caller's view, and
 *       the kernel keeps one view per node for everyone (but see {@link #created});
 *   <li>the attributes of a file with staged writers open: the kernel would show a writer the
 *       published version's, or others the writer's;
 *   <li>the attributes of an executable's nodes, but for a walk's, which keeps them for
 *       {@link #ONE_EXEC}: its exec's own checks.
 * </ul>
 * A file with several names, or with several nodes (a file has a node per name, and per lookup
 * where a node must not be shared), keeps its attributes too: a change through one node does
 * not show in what the kernel keeps of the others, so every change made through a node makes
 * the kernel forget the others' ({@code Invalidations.changedThrough}). A file with several
 * names keeps them for {@link #KEEP} at most: a change behind the mount's back through a name in
 * a directory the watch does not cover is heard by no one.
 */
final class KernelTimeouts {
    /**
     * As libfuse's default: long enough to spare repeated requests, short enough to bound a
     * surprise. Every change made through the mount either goes through the kernel or makes it
     * forget what it keeps ({@link KeptNames}, the publish's forgotten attributes), so this bounds
     * how late a change made behind the mount's back shows (a process that had a descriptor in
     * the directory before the mount: a build already running, another user's). 10 s, which
     * spares more lookups in a second pass over a large tree, was tried: such a change, a rename
     * of another user's private file over a name, then answered opens with that file's
     * permissions for the whole 10 s of SharedMountTest's race, where a plain directory lets
     * them create the name most of the time.
     */
    static final double KEEP = 1.0;
    /**
     * A regular file's name and attributes where the backing tree is watched ({@link
     * BackingWatch}): a change made behind the mount's back then makes the kernel forget them
     * within milliseconds, so this bounds nothing a user sees and only spares lookups and
     * getattrs, as on a second pass over a tree whose first pass took seconds.
     */
    static final double WATCHED = 10.0;
    /**
     * How long the kernel keeps the attributes of a node that changes behind the mount's back
     * while it keeps changing (a change in the last {@link #CHANGING} seconds), which the daemon
     * then does not make it forget at each change ({@code Invalidations.changedBehind}): a change
     * shows within this.
     */
    static final double WHILE_CHANGING = 0.01;
    /** How long after its last change behind the mount's back a node counts as still changing. */
    static final double CHANGING = 1.0;
    /**
     * How long the kernel keeps the attributes of a node made for a walk of an executable ({@link
     * Node#perWalk}), which other nodes and names of the file can change unseen. The exec that
     * follows its lookup checks them twice within microseconds (the open's permission, then
     * whether the new program may dump core): kept for none, each check cost a GETATTR, two of an
     * exec's five requests. Every lookup that answers a node makes the kernel forget the others'
     * attributes (a path's change goes through one), so only a change through another node's
     * descriptor shows late, within this, as one behind the mount's back does while its node
     * keeps changing. An executable's other nodes (a create's, a retry's) keep them for none:
     * kept as any file's, a sole node's showed a stale time after a change through its name in
     * FsModelTest.
     */
    static final double ONE_EXEC = 0.01;
    private static final int EXECUTE_BITS = 0111;

    private KernelTimeouts() {}

    /**
     * @param forgettable the kernel can be made to forget names at once ({@code KernelCache.forgetsNames})
     * @param written a staged writer has the name open (what it means depends on who asks), or
     *     a publish replaced its file lately (its next rewrite would raise the epoch)
     * @param file how long a regular file may be kept ({@code Invalidations.fileTimeout})
     */
    static double name(int mode, boolean forgettable, boolean written, double file) {
        if (!Node.isRegular(mode)) {
            return KEEP;
        }
        return forgettable && !written && !executable(mode) ? file : 0;
    }

    /**
     * How long the kernel may keep a name's absence (a lookup that found no such file), where
     * it would keep a regular file there for {@code file}: as long, where the kernel can be made
     * to forget names at once, since anything that makes the name changes the kernel's entry
     * itself (a create, mkdir, link or rename through the mount answers with the new entry) or
     * makes it forget the name (a change behind the mount's back, heard by the watch, raises the
     * epoch as for a kept file). Not while a staged writer has the name: its lookups answer the
     * writer its own unpublished file, and the kernel keeps one entry for everyone. Kept for no
     * time, each probe of a missing name was a LOOKUP, and so was the create that followed one
     * (the kernel looks a name up before it sends a CREATE unless it keeps the name's absence).
     */
    static double absent(boolean forgettable, boolean written, double file) {
        return forgettable && !written ? file : 0;
    }

    /** {@code file}: how long a regular file may be kept ({@code Invalidations.fileTimeout}). */
    static double attributes(Node node, int mode, long links, boolean viewed, double file) {
        if (!Node.isRegular(mode)) {
            return KEEP;
        }
        if (viewed || node.hasStagedWriters()) {
            return 0;
        }
        if (executable(mode)) {
            return node.perWalk ? Math.min(file, ONE_EXEC) : 0;
        }
        return links != 1 ? Math.min(file, KEEP) : file;
    }

    /**
     * The attributes answered to a create that made the file, which the kernel would otherwise
     * ask for again at once (the open's permission check): one request more per new file. They
     * are everyone's view: a new file staged whole is its creator's alone until published (its
     * lookups answer others ENOENT), and one made empty in place is, until its writer writes or
     * changes its mode, what everyone sees. Each such change goes through the kernel, which drops
     * or replaces what it keeps (a write drops the size and times; a chmod is answered with the
     * writer's view, not kept), and the publish makes the kernel forget them; a change through
     * another node of the file makes it forget them as any node's. An executable's too: the
     * create's node is the only one until a lookup makes another (a lookup of an executable
     * never answers the create's node), which makes the kernel forget the create's attributes (a
     * second node of an inode, see {@link NodeTable}).
     */
    static double created() {
        return KEEP;
    }

    static boolean executable(int mode) {
        return (mode & EXECUTE_BITS) != 0;
    }
}
