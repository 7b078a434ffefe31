package dev.dxfs.fs;

import static dev.dxfs.fs.Libc.C;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The nodes handed to the kernel, with the kernel's reference counts, and the name each is bound
 * to: the name it was looked up by, which follows renames made through the mount and is where a
 * staged write on the node publishes.
 *
 * <p>A directory, symlink or special file has one node per backing inode. A regular file gets a
 * node per version and per name; lookups of the name share it, except where sharing would let
 * the kernel mix two users of the node: an executable file gets, at every lookup, a node that no
 * other walk holds (an exec bans writes to its node, and a writer must never meet that ban: see
 * {@link Node#takeFor}), and a retried open a fresh one (see {@link Opens} and {@link Retries}).
 */
final class NodeTable {
    private final Map<Long, Node> byId = new ConcurrentHashMap<>();
    private final Map<Inode, Node> byInode = new HashMap<>();
    /** The nodes of each regular file's inode: a file may have several (per name, per lookup). */
    private final Map<Inode, Set<Node>> fileNodes = new HashMap<>();
    private final Map<Binding, Node> sharedFiles = new HashMap<>();
    private final Map<Binding, Set<Node>> bound = new HashMap<>();
    private final Map<Node, Binding> bindings = new HashMap<>();
    private final Map<Node, Long> lookups = new HashMap<>();
    /** How many nodes are bound to a name in each directory node. */
    private final Map<Node, Integer> children = new HashMap<>();
    /**
     * Nodes the kernel forgot that the daemon still uses: a file whose RELEASE is still to be
     * handled (it publishes to the node's name), a directory with such a file, or another node,
     * bound in it (it publishes through the directory's descriptor, and a lookup of the
     * directory must find the same node, which the pending release's name is matched by).
     */
    private final Set<Node> parked = new HashSet<>();
    /** The handles the daemon holds of each node. */
    private final Map<Node, Integer> pins = new HashMap<>();
    private final AtomicLong ids = new AtomicLong(Node.ROOT_ID);
    private volatile Consumer<Node> directoryAdded = node -> { };
    private volatile Consumer<Node> directoryDropped = node -> { };
    final Node root;

    /**
     * A name in a directory. The map keys here and in {@link KeptNames} write their own
     * {@code equals} and {@code hashCode}: a record's generated ones are built from method handles
     * at each one's first call, which spins classes and compiles them in a fresh mount's first
     * requests (docs/design.md, "The compiler").
     */
    record Binding(Node parent, String name) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Binding binding && parent == binding.parent && name.equals(binding.name);
        }

        @Override
        public int hashCode() {
            return 31 * parent.hashCode() + name.hashCode();
        }
    }

    private record Inode(long dev, long ino) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Inode inode && dev == inode.dev && ino == inode.ino;
        }

        @Override
        public int hashCode() {
            return 31 * Long.hashCode(dev) + Long.hashCode(ino);
        }
    }

    NodeTable(int rootFd, long dev, long ino, int mode) {
        root = new Node(Node.ROOT_ID, rootFd, dev, ino, mode, true);
        byId.put(root.id, root);
    }

    /** Tells {@code listener} of each directory node added from now on, before it is answered to the kernel. */
    void onDirectoryAdded(Consumer<Node> listener) {
        directoryAdded = listener;
    }

    /** Tells {@code listener} of each directory node dropped from now on, while its descriptor is still open. */
    void onDirectoryDropped(Consumer<Node> listener) {
        directoryDropped = listener;
    }

    /** The node the kernel names {@code id}, noted as used now. */
    Node get(long id) throws FsException {
        Node node = byId.get(id);
        if (node == null) {
            throw new FsException(Errno.ESTALE, "unknown node " + id);
        }
        node.touch();
        return node;
    }

    /**
     * An existing node that a lookup of {@code name} finding inode {@code ino} may be answered
     * with, its reference count raised; or null when a new node is needed.
     */
    synchronized Node reuse(Node parent, String name, long dev, long ino, int mode, boolean fresh) {
        Node node;
        if (!Node.isRegular(mode)) {
            node = byInode.get(new Inode(dev, ino));
        } else {
            node = fresh ? null : sharedFiles.get(new Binding(parent, name));
        }
        if (node == null || node.ino != ino || node.dev != dev) {
            return null;
        }
        bind(node, new Binding(parent, name));
        parked.remove(node);
        lookups.merge(node, 1L, Long::sum);
        node.given();
        node.touch();
        return node;
    }

    /** One more reference to a node that a lookup answers again; false if the node is gone. */
    synchronized boolean reference(Node node) {
        if (byId.get(node.id) != node) {
            return false;
        }
        parked.remove(node);
        lookups.merge(node, 1L, Long::sum);
        node.given();
        node.touch();
        return true;
    }

    /**
     * A new node for {@code fd} (owned by the table from now on), with one reference; made for
     * the walk of thread {@code walker} alone ({@link Node#takeFor}), unless 0.
     */
    synchronized Node add(Node parent, String name, int fd, long dev, long ino, int mode, boolean fresh, int walker) {
        Node existing = reuse(parent, name, dev, ino, mode, fresh);
        if (existing != null) {
            C.close(fd);
            return existing;
        }
        boolean shareable = !Node.isRegular(mode) || !fresh;
        Node node = new Node(ids.incrementAndGet(), fd, dev, ino, mode, shareable);
        if (walker != 0) {
            node.madeFor(walker);
        }
        byId.put(node.id, node);
        Binding binding = new Binding(parent, name);
        if (!Node.isRegular(mode)) {
            byInode.put(new Inode(dev, ino), node);
        } else {
            if (shareable) {
                sharedFiles.put(binding, node);
            }
            fileNodes.computeIfAbsent(new Inode(dev, ino), key -> new NodeSet()).add(node);
        }
        bind(node, binding);
        given(node);
        if (node.isDirectory()) {
            directoryAdded.accept(node);
        }
        return node;
    }

    /**
     * A new node for {@code fd}, a file without a name (O_TMPFILE), owned by the table from now
     * on, with one reference. No lookup reaches it: a link gives its inode a name, which a lookup
     * answers with a node of its own.
     */
    synchronized Node addUnnamed(int fd, long dev, long ino, int mode) {
        Node node = new Node(ids.incrementAndGet(), fd, dev, ino, mode, false);
        byId.put(node.id, node);
        fileNodes.computeIfAbsent(new Inode(dev, ino), key -> new NodeSet()).add(node);
        given(node);
        return node;
    }

    /** The kernel holds the new node {@code node}, once. */
    private void given(Node node) {
        lookups.put(node, 1L);
        node.given();
    }

    /** The kernel dropped references; a node without any is gone once the daemon no longer uses it. */
    synchronized void forget(long id, long count) {
        Node node = byId.get(id);
        if (node == null || node == root) {
            return;
        }
        long left = lookups.merge(node, -count, Long::sum);
        if (left > 0) {
            return;
        }
        lookups.remove(node);
        parked.add(node);
        dropIfUnused(node);
    }

    /** The daemon holds a handle of {@code node}, from its open until its release has been handled. */
    synchronized void pin(Node node) {
        pins.merge(node, 1, Integer::sum);
    }

    /** A handle of {@code node} is done with: a node the kernel forgot may be unused now. */
    synchronized void unpin(Node node) {
        if (pins.merge(node, -1, Integer::sum) <= 0) {
            pins.remove(node);
            dropIfUnused(node);
        }
    }

    /** Drops a node the kernel forgot once the daemon no longer uses it (its directory may follow). */
    private void dropIfUnused(Node node) {
        if (parked.contains(node) && !pins.containsKey(node) && !children.containsKey(node)) {
            parked.remove(node);
            drop(node);
        }
    }

    private void drop(Node node) {
        byId.remove(node.id);
        Binding binding = bindings.remove(node);
        if (binding != null) {
            unbind(node, binding);
            sharedFiles.remove(binding, node);
        }
        Inode inode = new Inode(node.dev, node.ino);
        byInode.remove(inode, node);
        Set<Node> ofInode = fileNodes.get(inode);
        if (ofInode != null && ofInode.remove(node) && ofInode.isEmpty()) {
            fileNodes.remove(inode);
        }
        if (node.isDirectory()) {
            directoryDropped.accept(node);
        }
        C.close(node.fd);
        notifyAll();
    }

    /** The other nodes of {@code node}'s inode, when it is a regular file's. */
    synchronized List<Node> otherNodesOfInode(Node node) {
        Set<Node> ofInode = fileNodes.get(new Inode(node.dev, node.ino));
        if (ofInode == null || ofInode.size() < 2) {
            return List.of();
        }
        List<Node> others = new ArrayList<>(ofInode);
        others.remove(node);
        return others;
    }

    /** Every node of {@code node}'s inode, {@code node} among them. */
    synchronized List<Node> nodesOfInode(Node node) {
        Set<Node> ofInode = fileNodes.get(new Inode(node.dev, node.ino));
        return ofInode == null || ofInode.size() < 2 ? List.of(node) : List.copyOf(ofInode);
    }

    /** The names the nodes of {@code node}'s inode are bound to: every name the kernel may reach the inode by. */
    synchronized List<Binding> namesOfInode(Node node) {
        Set<Node> ofInode = fileNodes.getOrDefault(new Inode(node.dev, node.ino), Set.of(node));
        List<Binding> names = new ArrayList<>();
        for (Node other : ofInode) {
            Binding name = binding(other);
            if (name != null) {
                names.add(name);
            }
        }
        return names;
    }

    /** Every node the kernel holds. */
    List<Node> all() {
        return List.copyOf(byId.values());
    }

    /** The name {@code node} is bound to, or null once it has none (unlinked, or replaced). */
    synchronized Binding binding(Node node) {
        return node == root ? null : bindings.get(node);
    }

    /** The path of {@code node} below the root ("" for the root), or null if it has no name. */
    synchronized String path(Node node) {
        StringBuilder path = new StringBuilder();
        for (Node at = node; at != root; ) {
            Binding binding = bindings.get(at);
            if (binding == null) {
                return null;
            }
            path.insert(0, path.length() == 0 ? binding.name() : binding.name() + "/");
            at = binding.parent();
        }
        return path.toString();
    }

    /** The path a new entry {@code name} in {@code parent} would have, or null. */
    String path(Node parent, String name) {
        String dir = path(parent);
        return dir == null ? null : dir.isEmpty() ? name : dir + "/" + name;
    }

    synchronized List<Node> boundTo(Node parent, String name) {
        Set<Node> nodes = bound.get(new Binding(parent, name));
        return nodes == null ? List.of() : List.copyOf(nodes);
    }

    /**
     * Lookups of the node's name reach it from now on: a new file's node, made for its creator
     * alone, once its publish has put the node's own inode at the name. Another node of the
     * inode would keep the kernel from keeping the file's attributes until the kernel forgot
     * this one, which it does whenever it gets to it.
     */
    synchronized void share(Node node) {
        Binding binding = bindings.get(node);
        if (binding != null) {
            node.shareable = true;
            sharedFiles.put(binding, node);
        }
    }

    /** Lookups of the node's name stop reaching it: it stays with the handles it has. */
    synchronized void retire(Node node) {
        Binding binding = bindings.get(node);
        if (binding != null) {
            sharedFiles.remove(binding, node);
        }
    }

    /** The name was removed: its nodes lose it. Returns them. */
    synchronized List<Node> removeName(Node parent, String name) {
        Binding binding = new Binding(parent, name);
        Set<Node> nodes = bound.remove(binding);
        sharedFiles.remove(binding);
        if (nodes == null) {
            return List.of();
        }
        for (Node node : nodes) {
            bindings.remove(node);
            byInode.remove(new Inode(node.dev, node.ino), node);
        }
        uncount(parent, nodes.size());
        return new ArrayList<>(nodes);
    }

    /** A rename: the nodes of {@code to} lose their name (returned), those of {@code from} take it. */
    synchronized List<Node> rename(Node parent, String name, Node newParent, String newName) {
        List<Node> replaced = removeName(newParent, newName);
        Binding from = new Binding(parent, name);
        move(bound.remove(from), sharedFiles.remove(from), new Binding(newParent, newName));
        return replaced;
    }

    /** The nodes of two names trade places (renameat2 with RENAME_EXCHANGE): each follows its file. */
    synchronized void exchange(Node parent, String name, Node otherParent, String otherName) {
        Binding one = new Binding(parent, name);
        Binding other = new Binding(otherParent, otherName);
        Set<Node> atOne = bound.remove(one);
        Set<Node> atOther = bound.remove(other);
        Node sharedAtOne = sharedFiles.remove(one);
        Node sharedAtOther = sharedFiles.remove(other);
        move(atOne, sharedAtOne, other);
        move(atOther, sharedAtOther, one);
    }

    private void move(Set<Node> moving, Node shared, Binding to) {
        if (shared != null) {
            sharedFiles.put(to, shared);
        }
        if (moving != null) {
            for (Node node : moving) {
                Binding from = bindings.put(node, to);
                if (from != null) {
                    uncount(from.parent(), 1);
                }
                children.merge(to.parent(), 1, Integer::sum);
            }
            bound.put(to, moving);
        }
    }

    private void bind(Node node, Binding binding) {
        Binding old = bindings.put(node, binding);
        if (old != null && !old.equals(binding)) {
            unbind(node, old);
        }
        if (bound.computeIfAbsent(binding, key -> new NodeSet()).add(node)) {
            children.merge(binding.parent(), 1, Integer::sum);
        }
    }

    private void unbind(Node node, Binding binding) {
        Set<Node> nodes = bound.get(binding);
        if (nodes != null && nodes.remove(node)) {
            if (nodes.isEmpty()) {
                bound.remove(binding);
            }
            uncount(binding.parent(), 1);
        }
    }

    /** {@code count} nodes left directory {@code parent}, which the kernel may have forgotten already. */
    private void uncount(Node parent, int count) {
        if (children.merge(parent, -count, Integer::sum) <= 0) {
            children.remove(parent);
            dropIfUnused(parent);
        }
    }

    /**
     * Whether the directory {@code node} is bound in has another node bound in it (a name the
     * kernel likely keeps, which holds the directory's name), or is the root, which the kernel
     * always keeps.
     */
    synchronized boolean hasSiblings(Node node) {
        Binding binding = bindings.get(node);
        return binding != null && (binding.parent() == root || children.getOrDefault(binding.parent(), 0) > 1);
    }

    int size() {
        return byId.size();
    }

    /** Waits up to {@code nanos} for the nodes to be fewer than {@code count}; returns whether they are. */
    synchronized boolean awaitFewer(int count, long nanos) {
        long deadline = System.nanoTime() + nanos;
        try {
            for (long left = nanos; byId.size() >= count; left = deadline - System.nanoTime()) {
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return byId.size() < count;
        }
    }

    /**
     * Up to {@code max} nodes the kernel holds that the daemon has no handle of, leaves only (a
     * directory stays while its entries do), those unused longest first: those the kernel may be
     * asked to let go of, which a walk has passed and a build's working set has not.
     */
    synchronized int unused(long[] into, int max) {
        List<Aged> candidates = new ArrayList<>();
        for (Node node : lookups.keySet()) {
            if (!pins.containsKey(node) && !children.containsKey(node)) {
                candidates.add(new Aged(node.lastUsed(), node.id));
            }
        }
        candidates.sort(Comparator.comparingLong(Aged::used));
        int count = Math.min(max, candidates.size());
        for (int i = 0; i < count; i++) {
            into[i] = candidates.get(i).id();
        }
        return count;
    }

    /** A node's id with when it was last used, read once: a request may touch the node while they are sorted. */
    private record Aged(long used, long id) {}

    /** Nodes a running program was started from. */
    int executing() {
        int count = 0;
        for (Node node : byId.values()) {
            if (node.isExecuting()) {
                count++;
            }
        }
        return count;
    }

    /** Closes the descriptors of every node but the root (the daemon is stopping). */
    synchronized void clear() {
        for (Node node : byId.values()) {
            if (node != root) {
                C.close(node.fd);
            }
        }
        byId.clear();
    }
}
