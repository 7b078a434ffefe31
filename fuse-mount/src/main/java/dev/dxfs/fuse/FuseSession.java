package dev.dxfs.fuse;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * A low-level libfuse session: mounts, serves requests on the {@link RequestLoop}'s threads until the
 * filesystem is unmounted (by fusermount -u, umount or a lazy unmount), then tears down.
 */
public final class FuseSession {
    private static final int ARGS_SIZE = 24;

    private FuseSession() {}

    /**
     * Mounts {@code fs} on {@code mountPoint} with libfuse's {@code -o} options and serves it;
     * returns once it is unmounted.
     */
    public static void serve(String mountPoint, List<String> options, Filesystem fs) throws IOException {
        LowLevelOperations ops = null;
        List<Pointer> keep = new ArrayList<>();
        Pointer args = arguments(List.of("dxfs", "-o", String.join(",", options)), keep);
        String point = Names.bytes(mountPoint);
        try {
            Pointer channel = FuseLib.F.fuse_mount(point, args);
            if (channel == null) {
                throw new IOException("libfuse could not mount " + mountPoint);
            }
            try {
                ops = LowLevelOperations.of(fs, new KernelCache(channel));
                Pointer session = FuseLib.F.fuse_lowlevel_new(args, ops.memory(), ops.size(), null);
                if (session == null) {
                    throw new IOException("libfuse refused the options " + options);
                }
                FuseLib.F.fuse_session_add_chan(session, channel);
                boolean failed = new RequestLoop(session, channel, fs).run();
                FuseLib.F.fuse_session_remove_chan(channel);
                FuseLib.F.fuse_session_destroy(session);
                if (failed) {
                    throw new IOException("the FUSE session of " + mountPoint + " ended with an error");
                }
            } finally {
                FuseLib.F.fuse_unmount(point, channel);
            }
        } finally {
            FuseLib.F.fuse_opt_free_args(args);
            // The native side holds these until here: the callbacks and the argument strings.
            Reference.reachabilityFence(ops);
            Reference.reachabilityFence(keep);
        }
    }

    /** A struct fuse_args over {@code values}; libfuse replaces the vector when it parses it. */
    private static Pointer arguments(List<String> values, List<Pointer> keep) {
        Pointer vector = Memory.allocateDirect(Request.RUNTIME, (values.size() + 1) * 8, true);
        for (int i = 0; i < values.size(); i++) {
            byte[] bytes = values.get(i).getBytes(StandardCharsets.UTF_8);
            Pointer value = Memory.allocateDirect(Request.RUNTIME, bytes.length + 1, true);
            value.put(0, bytes, 0, bytes.length);
            keep.add(value);
            vector.putPointer(i * 8L, value);
        }
        keep.add(vector);
        Pointer args = Memory.allocateDirect(Request.RUNTIME, ARGS_SIZE, true);
        args.putInt(0, values.size());
        args.putPointer(8, vector);
        return args;
    }
}
