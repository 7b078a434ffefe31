package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.KernelCache;
import java.nio.ByteBuffer;

/**
 * Tells the kernel, unasked, to forget what it keeps: FUSE notifications (unique 0). Neither
 * takes a lock in the kernel, so neither can make a request thread wait for another request:
 * FUSE_NOTIFY_INVAL_ENTRY, which takes the directory's lock, is never sent (see
 * {@link #forgetNames}).
 */
final class Notifications implements KernelCache {
    private static final int SIZE = Protocol.OUT_HEADER + Protocol.NOTIFY_INVAL_INODE_SIZE;
    /** Node ids per prune message. */
    static final int PRUNE_BATCH = 512;
    private static final int PRUNE_SIZE = Protocol.OUT_HEADER + Protocol.NOTIFY_PRUNE_SIZE + 8 * PRUNE_BATCH;

    private final Device device;
    private final boolean epochs;
    private final boolean prunes;
    /** Sent from request threads while they answer: each has its own message. */
    private final ThreadLocal<AlignedBuffer> messages = ThreadLocal.withInitial(() -> new AlignedBuffer(SIZE));
    /** Prunes are sent by one thread at a time (NodePruning's). */
    private final AlignedBuffer pruneMessage;

    /** @param agreed what INIT agreed on, and what the kernel offered: they say which notifications it knows */
    Notifications(Device device, Negotiation agreed) {
        this.device = device;
        this.epochs = agreed.minor() >= Protocol.INC_EPOCH_MINOR;
        this.prunes = agreed.offered() >= Protocol.PRUNE_MINOR;
        this.pruneMessage = prunes ? new AlignedBuffer(PRUNE_SIZE) : null;
    }

    /** The kernel forgets the node's attributes; an offset of -1 keeps its cached data. */
    @Override
    public void forgetAttributes(long node) {
        ByteBuffer bytes = header(SIZE, Protocol.NOTIFY_INVAL_INODE);
        bytes.putLong(16, node);
        bytes.putLong(24, -1);
        bytes.putLong(32, 0);
        send(SIZE);
    }

    @Override
    public boolean forgetsNames() {
        return epochs;
    }

    /**
     * The connection's epoch goes up by one: every name the kernel keeps from before counts as
     * expired at its next use (the kernel compares the epoch a name was looked up in with the
     * connection's when it revalidates the name), and is looked up again. The kernel only
     * increments a counter; it drops nothing and locks nothing now.
     */
    @Override
    public void forgetNames() {
        header(Protocol.OUT_HEADER, Protocol.NOTIFY_INC_EPOCH);
        send(Protocol.OUT_HEADER);
    }

    @Override
    public boolean prunes() {
        return prunes;
    }

    /**
     * FUSE_NOTIFY_PRUNE: for each node, the kernel drops the names of its inode that nothing
     * uses and, if then nothing holds the inode, evicts it and sends its FORGET. It takes no
     * lock a request could be waiting on (no directory's), like the epoch.
     */
    @Override
    public synchronized void prune(long[] nodes, int count) {
        ByteBuffer bytes = pruneMessage.bytes;
        for (int from = 0; from < count; from += PRUNE_BATCH) {
            int batch = Math.min(PRUNE_BATCH, count - from);
            int size = Protocol.OUT_HEADER + Protocol.NOTIFY_PRUNE_SIZE + 8 * batch;
            bytes.putInt(0, size);
            bytes.putInt(4, Protocol.NOTIFY_PRUNE);
            bytes.putLong(8, 0);
            bytes.putInt(Protocol.OUT_HEADER, batch);
            bytes.putInt(Protocol.OUT_HEADER + 4, 0);
            bytes.putLong(Protocol.OUT_HEADER + 8, 0);
            for (int i = 0; i < batch; i++) {
                bytes.putLong(Protocol.OUT_HEADER + Protocol.NOTIFY_PRUNE_SIZE + 8 * i, nodes[from + i]);
            }
            device.write(pruneMessage.address, size);
        }
    }

    /** This thread's message, with a notification's header: its size, the code in place of an error, unique 0. */
    private ByteBuffer header(int size, int code) {
        ByteBuffer bytes = messages.get().bytes;
        bytes.putInt(0, size);
        bytes.putInt(4, code);
        bytes.putLong(8, 0);
        return bytes;
    }

    private void send(int size) {
        device.write(messages.get().address, size);
    }
}
