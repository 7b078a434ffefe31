package dev.dxfs.fuse;

import java.io.IOException;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/** Requests received by libfuse 2 from its channel, parsed and handed to the filesystem by libfuse. */
final class LibfuseSource implements RequestSource<LibfuseSource.Buffers> {
    private static final int HEADER_OPCODE = 4;
    /** struct fuse_in_header is 40 bytes; a RELEASE's fuse_release_in starts with the handle. */
    private static final int RELEASE_HANDLE = 40;
    private static final int EINTR = 4;
    private static final int MAX_THREADS = 32;

    private final Pointer session;
    private final Pointer channel;
    private final long bufferSize;

    /** A thread's request buffer, and where it tells libfuse its channel. */
    record Buffers(Pointer request, Pointer channelRef) {}

    LibfuseSource(Pointer session, Pointer channel) {
        this.session = session;
        this.channel = channel;
        this.bufferSize = FuseLib.F.fuse_chan_bufsize(channel);
    }

    @Override
    public Buffers newBuffer() {
        return new Buffers(Memory.allocateDirect(Request.RUNTIME, (int) bufferSize),
                Memory.allocateDirect(Request.RUNTIME, Long.BYTES));
    }

    /**
     * As many as the kernel transport's at its 1 MiB requests: a burst of requests from many
     * processes at once waits in the kernel's queue for a thread rather than each starting one,
     * with its stack and its share of the C library's arenas.
     */
    @Override
    public int maxThreads() {
        return MAX_THREADS;
    }

    @Override
    public int receive(Buffers buffers) throws IOException {
        buffers.channelRef().putPointer(0, channel);
        int length = FuseLib.F.fuse_chan_recv(buffers.channelRef(), buffers.request(), bufferSize);
        if (length == -EINTR) {
            return 0;
        }
        if (length < 0) {
            throw new IOException("errno " + -length);
        }
        return length == 0 ? -1 : length;
    }

    @Override
    public int opcode(Buffers buffers) {
        return buffers.request().getInt(HEADER_OPCODE);
    }

    @Override
    public long releaseHandle(Buffers buffers) {
        return buffers.request().getLong(RELEASE_HANDLE);
    }

    @Override
    public void process(Buffers buffers, int length) {
        FuseLib.F.fuse_session_process(session, buffers.request(), length, channel);
    }

    @Override
    public boolean exited() {
        return FuseLib.F.fuse_session_exited(session) != 0;
    }

    @Override
    public void exit() {
        FuseLib.F.fuse_session_exit(session);
    }
}
