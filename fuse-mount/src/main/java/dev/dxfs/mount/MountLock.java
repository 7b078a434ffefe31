package dev.dxfs.mount;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Lets one command at a time mount over a directory: it is held from the look at what is mounted
 * there until the new mount is live, so that of several {@code dxfs mount DIR} started at once one
 * mounts and the others then find its mount. A lock of the operating system's (fcntl), on a file
 * in the user's runtime directory named after the mount point: it goes with the process that
 * holds it, however that process ends. The file stays: removing it would let a command that
 * opened it just before lock a file that no longer has the name.
 */
final class MountLock implements AutoCloseable {
    private final FileChannel channel;

    private MountLock(FileChannel channel) {
        this.channel = channel;
    }

    /** Waits for the lock of {@code mountPoint} (a mount in progress takes a second or so). */
    static MountLock take(Path mountPoint) throws CliException {
        Path file = RuntimePaths.lockFileFor(mountPoint);
        FileChannel channel = null;
        try {
            RuntimePaths.createPrivateDirectory(file.getParent());
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            channel.lock();
            return new MountLock(channel);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new CliException("cannot lock " + file + " to mount " + mountPoint + ": " + IoReason.of(e) + ": "
                    + RuntimePaths.RUNTIME_FIX);
        }
    }

    /** Releases the lock; once more does nothing. */
    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // The lock goes with the descriptor, closed or not, when this process exits.
        }
    }
}
