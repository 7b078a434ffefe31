package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.KernelCache;
import java.nio.ByteBuffer;

/** Tells the kernel, unasked, to forget what it keeps: FUSE notifications (unique 0). */
final class Notifications implements KernelCache {
    private static final int SIZE = Protocol.OUT_HEADER + Protocol.NOTIFY_INVAL_INODE_SIZE;

    private final Device device;
    /** Sent from request threads while they answer: each has its own message. */
    private final ThreadLocal<AlignedBuffer> messages = ThreadLocal.withInitial(() -> new AlignedBuffer(SIZE));

    Notifications(Device device) {
        this.device = device;
    }

    /** The kernel forgets the node's attributes; an offset of -1 keeps its cached data. */
    @Override
    public void forgetAttributes(long node) {
        AlignedBuffer message = messages.get();
        ByteBuffer bytes = message.bytes;
        bytes.putInt(0, SIZE);
        bytes.putInt(4, Protocol.NOTIFY_INVAL_INODE);
        bytes.putLong(8, 0);
        bytes.putLong(16, node);
        bytes.putLong(24, -1);
        bytes.putLong(32, 0);
        device.write(message.address, SIZE);
    }
}
