package dev.dxfs.fuse.kernel;

import dev.dxfs.fuse.Filesystem;
import dev.dxfs.fuse.MountSettings;
import dev.dxfs.fuse.RequestLoop;
import java.io.IOException;

/**
 * A FUSE session served over {@code /dev/fuse} directly, without libfuse: mounts, serves requests
 * on the {@link RequestLoop}'s threads until the filesystem is unmounted, then tears down.
 */
public final class KernelSession {
    private KernelSession() {}

    /** Mounts {@code fs} as {@code settings} say and serves it; returns once it is unmounted. */
    public static void serve(MountSettings settings, Filesystem fs) throws IOException {
        Device device = DeviceMount.mount(settings);
        DeviceSource source = new DeviceSource(device, settings.maxIo(), fs);
        boolean failed;
        try {
            failed = new RequestLoop<>(source, fs).run();
        } finally {
            device.close();
            if (!source.unmounted()) {
                DeviceMount.unmount(settings);
            }
        }
        if (failed) {
            throw new IOException("the FUSE session of " + settings.mountPoint() + " ended with an error");
        }
    }
}
