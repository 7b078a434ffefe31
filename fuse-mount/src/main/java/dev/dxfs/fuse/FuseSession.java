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

    /** Mounts {@code fs} as {@code settings} say and serves it; returns once it is unmounted. */
    public static void serve(MountSettings settings, Filesystem fs) throws IOException {
        LowLevelOperations ops = null;
        List<Pointer> keep = new ArrayList<>();
        Pointer args = arguments(List.of(settings.name(), "-o", String.join(",", options(settings))), keep);
        String point = settings.mountPoint();
        String mountPoint = Names.text(point);
        try {
            Pointer channel = FuseLib.F.fuse_mount(point, args);
            if (channel == null) {
                throw new IOException("libfuse could not mount " + mountPoint);
            }
            try {
                ops = LowLevelOperations.of(fs, node -> FuseLib.F.fuse_lowlevel_notify_inval_inode(channel, node, -1, 0));
                Pointer session = FuseLib.F.fuse_lowlevel_new(args, ops.memory(), ops.size(), null);
                if (session == null) {
                    throw new IOException("libfuse refused the options " + options(settings));
                }
                FuseLib.F.fuse_session_add_chan(session, channel);
                boolean failed = new RequestLoop<>(new LibfuseSource(session, channel), fs).run();
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

    /** libfuse's {@code -o} options for {@code settings}. */
    static List<String> options(MountSettings settings) {
        List<String> options = new ArrayList<>(List.of(
                "nonempty", "subtype=" + settings.name(), "fsname=" + settings.name(), "default_permissions",
                // O_TRUNC reaches open() instead of arriving as a separate truncate of the published file.
                "atomic_o_trunc",
                "big_writes", "max_write=" + settings.maxIo(), "max_read=" + settings.maxIo()));
        if (settings.allowOther()) {
            options.add("allow_other");
        }
        options.addAll(settings.mountFlags());
        return options;
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
