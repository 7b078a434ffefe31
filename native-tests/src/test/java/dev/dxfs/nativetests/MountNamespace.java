package dev.dxfs.nativetests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A shell script run in a private mount namespace ({@code unshare --mount}): what it mounts,
 * binds over system directories included, nobody else sees, and it goes away with the script.
 *
 * <p>mount(8) runs its helpers without PATH, so Debian's mount.fuse finds the {@code dxfs} of
 * {@code mount -t fuse.dxfs} only in the shell's default path, and systemd looks for the unit's
 * {@code dxfs} in a fixed path. The script gets {@code dxfs} in /usr/local/bin, where an installation
 * links it, bound over in its namespace only: the machine's directories are never changed.
 */
final class MountNamespace {
    private MountNamespace() {}

    /**
     * Runs {@code script} (sh, stopping at the first failing command) with {@code launcher} as
     * /usr/local/bin/dxfs, linked from a new directory in {@code scratch}; {@code mountPoint} is
     * unmounted when the script ends, however it ends, so that no daemon outlives it serving a
     * mount nobody can see.
     */
    static Run run(Path scratch, Path launcher, Path mountPoint, String script) {
        return Unchecked.call(() -> {
            Path bin = Files.createTempDirectory(scratch, "bin-");
            Files.createSymbolicLink(bin.resolve("dxfs"), launcher);
            String full = "set -eu\n"
                    + "trap 'umount -l " + mountPoint + " 2>/dev/null || true' EXIT\n"
                    + "mount --bind " + bin + " /usr/local/bin\n"
                    + script;
            return Run.of(List.of("unshare", "--mount", "sh", "-c", full), null, Map.of(), Duration.ofMinutes(3));
        });
    }
}
