package dev.dxfs.fuse;

import java.io.IOException;

/**
 * Where a {@link RequestLoop}'s threads receive requests, and what handles one: a transport.
 *
 * @param <B> a thread's receive buffer
 */
public interface RequestSource<B> {
    /** A new receive buffer, for a thread that has none. */
    B newBuffer();

    /**
     * The most threads the loop runs at once, so that their buffers stay within a bound: when all
     * of them are busy, further requests wait in the kernel's queue until one is done.
     */
    int maxThreads();

    /**
     * Receives one request into {@code buffer}: its length, 0 when there was none (the wait was
     * interrupted), or -1 once the session is over (unmounted).
     *
     * @throws IOException when the device failed
     */
    int receive(B buffer) throws IOException;

    /** The request's opcode (struct fuse_in_header). */
    int opcode(B buffer);

    /** The handle a RELEASE in {@code buffer} releases. */
    long releaseHandle(B buffer);

    /** Handles and answers the request of {@code length} bytes in {@code buffer}. */
    void process(B buffer, int length);

    /** Whether the session was ended. */
    boolean exited();

    /** Ends the session: no thread receives again. */
    void exit();
}
