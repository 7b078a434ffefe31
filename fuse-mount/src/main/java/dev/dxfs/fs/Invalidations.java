package dev.dxfs.fs;

import dev.dxfs.fs.NodeTable.Binding;
import dev.dxfs.fuse.KernelCache;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What the kernel must forget when a file changes behind its back (a publish, a writer's close, a
 * chmod that makes a file executable, a new link): the attributes it keeps of a node, and the
 * names it keeps ({@link KeptNames}). Every request that changes a file the kernel may have kept
 * goes through here, so that the rules for when a name may be kept and how it is dropped live in
 * one place.
 */
final class Invalidations {
    private static final long CHANGING_NANOS = (long) (KernelTimeouts.CHANGING * 1e9);
    private final NodeTable nodes;
    private final KeptNames keptNames;
    /**
     * Whether another filesystem is mounted inside the mount. The epoch that makes the kernel
     * forget every name it keeps ({@link KeptNames}) would unmount it: the kernel drops a name of
     * an older epoch without asking, and a dropped directory name takes what is mounted on it or
     * below it along (lazily, as {@code umount -l}). So while one is, no file name is kept and the
     * epoch is not raised.
     */
    private final BooleanSupplier mountsInside;
    private volatile KernelCache kernel;
    /**
     * The device of the filesystem the watch covers ({@link BackingWatch}), -1 when none: the
     * kernel may keep that filesystem's files long; a filesystem mounted inside the backing tree
     * is not watched.
     */
    private volatile long watchedDevice = -1;

    Invalidations(NodeTable nodes, KeptNames keptNames, BooleanSupplier mountsInside) {
        this.nodes = nodes;
        this.keptNames = keptNames;
        this.mountsInside = mountsInside;
    }

    /** The kernel's connection, known once it first talks to the filesystem. */
    void connect(KernelCache kernel) {
        this.kernel = kernel;
    }

    /** From now on the kernel hears at once of changes made on {@code device} behind the mount's back. */
    void watching(long device) {
        watchedDevice = device;
    }

    /**
     * A directory could not be watched: nothing more is kept long. What the kernel keeps long
     * now lies in directories that are, so it may stay.
     */
    void watchIncomplete() {
        watchedDevice = -1;
    }

    /**
     * How long the kernel may keep the name and attributes of a regular file on {@code node}'s
     * filesystem ({@code node} is the file's, or the directory of a name found missing): long
     * where a change made behind the mount's back makes it forget them at once (the watched
     * filesystem), the short timeout elsewhere.
     */
    double fileTimeout(Node node) {
        return node.dev == watchedDevice ? KernelTimeouts.WATCHED : KernelTimeouts.KEEP;
    }

    /**
     * How long the kernel may keep the attributes of {@code node}, read after the node last
     * changed behind the mount's back, where it would otherwise keep them {@code timeout}: only
     * {@link KernelTimeouts#WHILE_CHANGING} while the node keeps changing, which the daemon then
     * does not tell the kernel of ({@link #changedBehind}).
     */
    double attributes(Node node, double timeout) {
        return node.changedBehindWithin(System.nanoTime(), CHANGING_NANOS)
                ? Math.min(timeout, KernelTimeouts.WHILE_CHANGING) : timeout;
    }

    /**
     * Something changed {@code name} in the backing tree behind the mount's back: the kernel
     * forgets the attributes of the directory and of the name's nodes, and, where the change may
     * have changed what the name means ({@code nameChanged}: created, removed, moved, chmod), the
     * name if it may keep it. While something is mounted inside, the epoch would unmount it and
     * waiting here would hold up every later change: the kernel keeps no file names then, and a
     * name kept from before shows the change at its timeout.
     *
     * <p>Only the first change of a run makes the kernel forget a node's attributes; until the
     * node has been quiet for {@link KernelTimeouts#CHANGING} they are answered with a short
     * timeout instead ({@link #attributes}). The kernel drops the attributes of an answer read
     * before such a notice, and a node it is making an inode for at that moment then has none:
     * mode 0, owned by root. Its next permission check asks again, and a second notice in that
     * round trip drops that answer too and refuses the caller (EACCES): a name renamed back and
     * forth thousands of times a second behind the mount's back did that to a create through it.
     */
    void changedBehind(Binding name, boolean nameChanged) {
        KernelCache connected = kernel;
        long now = System.nanoTime();
        forgetAttributes(connected, name.parent(), now);
        for (Node node : nodes.boundTo(name.parent(), name.name())) {
            for (Node ofInode : nodes.nodesOfInode(node)) {
                forgetAttributes(connected, ofInode, now);
            }
        }
        if (nameChanged && keptNames.mayBeKept(name) && !mountsInside.getAsBoolean()) {
            keptNames.forgetAll(connected);
        }
    }

    private static void forgetAttributes(KernelCache kernel, Node node, long now) {
        if (node.changedBehind(now, CHANGING_NANOS)) {
            kernel.forgetAttributes(node.id);
        }
    }

    /**
     * The watch lost changes (its queue overflowed): the kernel forgets everything it keeps, and
     * every node counts as changing.
     */
    void everythingChanged() {
        KernelCache connected = kernel;
        if (!mountsInside.getAsBoolean()) {
            keptNames.forgetAll(connected);
        }
        long now = System.nanoTime();
        for (Node node : nodes.all()) {
            node.changedBehind(now, CHANGING_NANOS);
            connected.forgetAttributes(node.id);
        }
    }

    /** The watch stopped: files are kept for the short timeout from now on, and nothing kept long stays. */
    void watchLost() {
        watchedDevice = -1;
        everythingChanged();
    }

    /**
     * {@code node}'s file changed through {@code node} (its attributes, its data in place, its
     * links, its extended attributes): the kernel updates or drops what it keeps of that node
     * itself, and forgets what it keeps of the file's other nodes here, which it cannot tell are
     * the same file. So a file with several names or nodes may keep its attributes as any file.
     */
    void changedThrough(Node node) {
        List<Node> others = nodes.otherNodesOfInode(node);
        // Indexed: asked at every lookup, where C1, doing no escape analysis, allocates every iterator.
        for (int i = 0; i < others.size(); i++) {
            kernel.forgetAttributes(others.get(i).id);
        }
    }

    /**
     * {@code node}'s file changed in a way the kernel sees through none of its nodes (a link
     * answered with a node of its own, a publish or rename over one of its names, an unlink that
     * the kernel made through another node): it forgets what it keeps of every node of the file.
     */
    void fileChanged(Node node) {
        kernel.forgetAttributes(node.id);
        changedThrough(node);
    }

    /**
     * A publish renamed a temp file into the directory behind the kernel's back: the kernel
     * forgets the attributes of the writer's node, which it may keep from a create
     * ({@link KernelTimeouts#created}), and of the other nodes of its file: that node is now the
     * published file, whose change time the rename changed, or the version it replaced, which
     * has one link less (its other names show that at once); and the name if it
     * may keep it (a lookup that raced with the publish may have found the version before). The
     * directory's attributes only when the publish gave it a name ({@code newName}): a rewrite
     * leaves a native directory as it was, and keeping them spares the next path walk a GETATTR.
     * A rewrite's name ({@code rewrite}) is not kept for a while ({@link KeptNames#replacedLately}),
     * where names are kept at all.
     */
    void publishedInto(Node written, Binding published, boolean newName, boolean rewrite) {
        if (published != null) {
            if (newName) {
                kernel.forgetAttributes(published.parent().id);
            } else if (rewrite && kernel.forgetsNames()) {
                keptNames.replaced(published);
            }
            fileChanged(written);
            nameChanged(published);
        }
    }

    /**
     * A handle of {@code node} was released. Where the next lookup of its name answers another
     * node, the name the kernel keeps of this one is dropped if nothing uses it now (a prune of
     * the node): after a publish ({@code published}), which put another inode at the name, and for
     * a node made for one lookup (a retry's, a new file's that was not published as its own: a new
     * file's node whose inode its publish put at the name is {@linkplain NodeTable#share shared}
     * instead; an executable's node is answered again to the next walk once nothing uses it, see
     * {@link Node#takeFor}). Kept, its next use would send a
     * LOOKUP only to learn that, then drop the name and send another (the kernel asks again at
     * each use for a name kept with no timeout, a create's or an executable's, and no epoch drops
     * those). Dropped, the next use sends the second alone. A name in use (a walk on its way, an
     * open file, a running program) is left as it is and looked up twice as before.
     *
     * <p>The kernel drops with the name the names above it that nothing uses any more: a
     * directory whose last kept name this was would cost its next walk a LOOKUP of the directory
     * instead. So only a name with {@linkplain NodeTable#hasSiblings siblings} is dropped. Nor a
     * node the kernel was given again since the handle's open ({@code givenAgain}): the RELEASE
     * comes after the close returned, and the name a lookup kept since then would be dropped
     * with it (a stat right after the close then asked again at the next stat).
     */
    void released(Node node, boolean published, boolean givenAgain) {
        boolean answeredAgain = !published && node.perWalk;
        if ((published || !node.shareable) && !answeredAgain && !givenAgain && kernel.prunes() && nodes.hasSiblings(node)) {
            kernel.prune(new long[] {node.id}, 1);
        }
    }

    /**
     * A create through the kernel made {@code name} and is about to answer: the kernel replaces
     * what it kept of the name (its absence, found by a lookup just before the create) with the
     * create's entry, which it keeps for no time. Noted before the answer is sent: the creator
     * goes on at once, and its close reached another thread, which asked whether the name may be
     * kept, before the creating thread had gone on (an epoch at the first new file of a mount).
     */
    void creating(Binding name) {
        keptNames.madeThroughKernel(name);
    }

    /**
     * The kernel did not take the answer of a create of {@code name}: it keeps what it kept of the
     * name, perhaps its absence, which the file the create may have made contradicts, and which
     * {@link #creating} no longer counts.
     */
    void createUndelivered(Binding name) {
        if (kernel.forgetsNames()) {
            forgetNames(name);
        }
    }

    /** The file at {@code name} changes behind the kernel's back: a name it keeps must be looked up again. */
    void nameChanged(Binding name) {
        if (name != null && kernel.forgetsNames() && keptNames.mayBeKept(name)) {
            forgetNames(name);
        }
    }

    /** Whether the kernel may keep a file's name: only if it can be made to forget it at once. */
    boolean namesForgettable() {
        return kernel.forgetsNames() && !mountsInside.getAsBoolean();
    }

    /**
     * A file that becomes executable must no longer share a node with its names' next lookups
     * (an exec bans writes to its node): any of its names the kernel keeps, of this node or of
     * another link, is looked up again, and gets a fresh node from now on.
     */
    void madeExecutable(Node node, int mode) {
        if (node.isRegular() && KernelTimeouts.executable(mode)) {
            nodes.namesOfInode(node).forEach(this::nameChanged);
        }
    }

    /**
     * Makes the kernel forget every name it keeps, or, when that would unmount what is mounted
     * inside, waits until it can no longer keep {@code changed}: the change is not answered
     * before the kernel would look it up again. Lookups keep no names while something is mounted
     * inside, so the wait happens only for names kept before it was mounted.
     */
    private void forgetNames(Binding changed) {
        if (mountsInside.getAsBoolean()) {
            keptNames.awaitExpiry(changed);
        } else {
            keptNames.forgetAll(kernel);
        }
    }
}
