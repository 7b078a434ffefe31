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

    private final Device device;
    private final boolean epochs;
    /** Sent from request threads while they answer: each has its own message. */
    private final ThreadLocal<AlignedBuffer> messages = ThreadLocal.withInitial(() -> new AlignedBuffer(SIZE));

    /** @param minor the protocol minor agreed on at INIT, which says which notifications the kernel knows */
    Notifications(Device device, int minor) {
        this.device = device;
        this.epochs = minor >= Protocol.INC_EPOCH_MINOR;
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
